//! The signed-in user's own resources: API keys, usage and plan, and job
//! history. Keys are managed by a session (with the CSRF token) or by a key
//! with the `admin` scope.

use crate::accounts::{refresh_active, service, Caller};
use crate::error::ApiError;
use crate::routes::body::JsonBody;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use doctown_accounts::plans::period_of;
use doctown_accounts::{now_ms, JobRow, PlanName, Scope};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
pub struct NewKey {
    pub name: String,
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// `GET /me/keys`
pub async fn list_keys(
    State(app): State<AppState>,
    caller: Caller,
) -> Result<Json<serde_json::Value>, ApiError> {
    let accounts = service(&app)?;
    let user = caller.require(Scope::Admin)?;
    let keys = accounts.db.keys(user.id).await?;
    Ok(Json(serde_json::json!({ "items": keys })))
}

/// `POST /me/keys {name, scopes}`: the key's secret is in this answer only.
pub async fn create_key(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    JsonBody(request): JsonBody<NewKey>,
) -> Result<Response, ApiError> {
    let accounts = service(&app)?;
    let user = caller.require(Scope::Admin)?;
    caller.check_csrf(&headers)?;
    let names = if request.scopes.is_empty() {
        vec!["read".to_string()]
    } else {
        request.scopes
    };
    let scopes = names
        .iter()
        .map(|s| doctown_accounts::Scope::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let (key, secret) = accounts
        .db
        .create_key(user.id, &request.name, &scopes)
        .await?;
    let body = serde_json::json!({ "key": key, "secret": secret,
        "note": "store the secret now: it is not shown again" });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `DELETE /me/keys/{id}`
pub async fn revoke_key(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let accounts = service(&app)?;
    let user = caller.require(Scope::Admin)?;
    caller.check_csrf(&headers)?;
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::bad_request("a key id is a number"))?;
    accounts.db.revoke_key(user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /me/usage`: plan, limits, this month's use, and every plan.
pub async fn usage(
    State(app): State<AppState>,
    caller: Caller,
) -> Result<Json<serde_json::Value>, ApiError> {
    let accounts = service(&app)?;
    let user = caller.require(Scope::Read)?;
    refresh_active(&app, Some(user.id)).await?;
    let standing = accounts.db.standing(user.id).await?;
    let plan = user.effective_plan();
    let limits = accounts.config.plans.limits(plan);
    let plans: serde_json::Map<String, serde_json::Value> = PlanName::ALL
        .iter()
        .map(|p| {
            (
                p.as_str().to_string(),
                serde_json::to_value(accounts.config.plans.limits(*p)).unwrap_or_default(),
            )
        })
        .collect();
    Ok(Json(serde_json::json!({
        "plan": user.plan,
        "effective_plan": plan,
        "billing_status": user.billing_status,
        "limits": limits,
        "usage": {
            "period": period_of(now_ms()),
            "jobs": standing.jobs_this_month,
            "jobs_left": limits.jobs_per_month.saturating_sub(standing.jobs_this_month),
            "active_jobs": standing.active_jobs,
            "cost_usd": accounts.db.month_cost(user.id).await?,
        },
        "plans": plans,
    })))
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// A page size (1-100, default 20) and a cursor (a job id) from the query.
pub fn page(query: &PageQuery) -> Result<(u32, Option<String>), ApiError> {
    let limit = match query
        .limit
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => 20,
        Some(text) => match text.parse::<u32>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => {
                return Err(ApiError::bad_request(format!(
                    "invalid limit {text:?}: expected 1-100"
                )))
            }
        },
    };
    let cursor = match query
        .cursor
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(c) => Some(
            doctown_core::JobId::new(c)
                .map_err(|_| ApiError::bad_request(format!("invalid cursor {c:?}")))?
                .to_string(),
        ),
    };
    Ok((limit, cursor))
}

/// A job of the history, with its links.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct HistoryItem {
    #[serde(flatten)]
    pub job: JobRow,
    /// Absent for a job whose id is no valid job id.
    pub links: Option<super::jobs::JobLinks>,
}

/// `GET /me/jobs`: the user's jobs, newest first, with cost and duration.
pub async fn jobs(
    State(app): State<AppState>,
    caller: Caller,
    Query(query): Query<PageQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let accounts = service(&app)?;
    let user = caller.require(Scope::Read)?;
    let (limit, cursor) = page(&query)?;
    refresh_active(&app, Some(user.id)).await?;
    let rows = accounts
        .db
        .jobs_of(user.id, cursor.as_deref(), limit + 1)
        .await?;
    let next = (rows.len() > limit as usize).then(|| rows[limit as usize - 1].id.clone());
    let items: Vec<HistoryItem> = rows
        .into_iter()
        .take(limit as usize)
        .map(|job| {
            let links = doctown_core::JobId::new(&job.id)
                .ok()
                .map(|id| super::jobs::job_links(&app, &id));
            HistoryItem { job, links }
        })
        .collect();
    Ok(Json(
        serde_json::json!({ "items": items, "next_cursor": next }),
    ))
}
