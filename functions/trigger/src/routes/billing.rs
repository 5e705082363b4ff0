//! Billing through Stripe: `POST /billing/checkout {plan}` and `POST
//! /billing/portal` answer `{url}` to send the browser to (Stripe sends it
//! back to the website's billing page, `/account/billing`); `POST
//! /webhooks/stripe` takes Stripe's events (signature checked, each event
//! applied once) and sets the user's plan.

use crate::accounts::{base_url, service, Caller};
use crate::error::ApiError;
use crate::routes::body::{read_body, JsonBody};
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::Json;
use doctown_accounts::{PlanName, Scope, WebhookOutcome};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Checkout {
    pub plan: String,
}

/// `POST /billing/checkout`
pub async fn checkout(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    JsonBody(request): JsonBody<Checkout>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let accounts = service(&app)?;
    let user = caller.require(Scope::Admin)?;
    caller.check_csrf(&headers)?;
    let plan = PlanName::parse(&request.plan)?;
    if plan == PlanName::Free {
        return Err(ApiError::bad_request(
            "the free plan needs no checkout: cancel from the portal",
        ));
    }
    let base = base_url(&headers, &app);
    let url = accounts
        .checkout(
            user,
            plan,
            &format!("{base}/account/billing?checkout=success"),
            &format!("{base}/account/billing?checkout=cancel"),
        )
        .await?;
    Ok(Json(serde_json::json!({ "url": url })))
}

/// `POST /billing/portal`
pub async fn portal(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let accounts = service(&app)?;
    let user = caller.require(Scope::Admin)?;
    caller.check_csrf(&headers)?;
    let back = format!("{}/account/billing", base_url(&headers, &app));
    let url = accounts.portal(user, &back).await?;
    Ok(Json(serde_json::json!({ "url": url })))
}

/// `POST /webhooks/stripe`
pub async fn webhook(
    State(app): State<AppState>,
    request: Request,
) -> Result<Json<serde_json::Value>, ApiError> {
    let accounts = service(&app)?;
    let signature = request
        .headers()
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = read_body(request, &app).await?;
    let outcome = accounts.stripe_webhook(signature.as_deref(), &body).await?;
    let text = match outcome {
        WebhookOutcome::Applied { .. } => "applied",
        WebhookOutcome::Duplicate => "duplicate",
        WebhookOutcome::Ignored => "ignored",
        WebhookOutcome::Stale => "stale",
        // Not 2xx, so Stripe delivers it again once the customer is linked.
        WebhookOutcome::NotYetLinked => {
            return Err(ApiError::conflict(
                "no user is linked to this customer yet; deliver the event again later",
            ))
        }
    };
    Ok(Json(
        serde_json::json!({ "received": true, "outcome": text }),
    ))
}
