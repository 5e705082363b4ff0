//! Stripe: Checkout sessions for upgrades, customer-portal sessions, and
//! webhooks verified the way Stripe signs them.
//!
//! `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=…]` where `v1` is the
//! HMAC-SHA256 of `"<t>.<raw body>"` under the endpoint's signing secret.
//! A webhook is accepted when one `v1` matches (constant time) and `t` is
//! within the tolerance of now (default five minutes); its event id is then
//! recorded, so a replayed event changes nothing.

use crate::config::StripeConfig;
use crate::error::{AccountsError, Result};
use crate::http;
use crate::plans::{PlanName, Plans};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// The `Stripe-Signature` header for `payload` at `timestamp` (what Stripe
/// sends; tests and the stand-in use it).
pub fn sign(secret: &str, timestamp: i64, payload: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(payload);
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// Verifies a webhook's signature at `now` (Unix seconds).
pub fn verify(
    secret: &str,
    header: Option<&str>,
    payload: &[u8],
    now: i64,
    tolerance_secs: i64,
) -> Result<()> {
    let refused = |why: &str| AccountsError::Unauthorized(format!("Stripe signature: {why}"));
    let header = header.ok_or_else(|| refused("missing Stripe-Signature"))?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", sig)) => signatures.extend(hex::decode(sig).ok()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or_else(|| refused("no timestamp"))?;
    let matched = signatures.iter().any(|sig| {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
        mac.update(format!("{timestamp}.").as_bytes());
        mac.update(payload);
        mac.verify_slice(sig).is_ok()
    });
    if !matched {
        return Err(refused("no v1 signature matches"));
    }
    if (now - timestamp).abs() > tolerance_secs {
        return Err(refused(
            "the timestamp is outside the tolerance (an old or replayed event)",
        ));
    }
    Ok(())
}

/// A webhook event: id, type and its `data.object`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: String,
    pub event_type: String,
    pub object: Value,
    /// When Stripe made the event (Unix seconds): events arrive in any
    /// order, and an older one never undoes a newer one.
    pub created: i64,
}

pub fn parse_event(payload: &[u8]) -> Result<Event> {
    let value: Value = serde_json::from_slice(payload)
        .map_err(|e| AccountsError::invalid(format!("the event is not JSON: {e}")))?;
    let text = |v: &Value, k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
    let id = text(&value, "id")
        .filter(|i| i.len() <= 255)
        .ok_or_else(|| AccountsError::invalid("the event has no id"))?;
    let event_type =
        text(&value, "type").ok_or_else(|| AccountsError::invalid("the event has no type"))?;
    let object = value
        .get("data")
        .and_then(|d| d.get("object"))
        .cloned()
        .unwrap_or(Value::Null);
    let created = value.get("created").and_then(Value::as_i64).unwrap_or(0);
    Ok(Event {
        id,
        event_type,
        object,
        created,
    })
}

/// Whose plan an event changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// Checkout names our user (`client_reference_id`).
    User(i64),
    /// Subscription and invoice events name the Stripe customer.
    Customer(String),
}

/// What an event does to a user's plan (pure).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanChange {
    pub subject: Subject,
    /// The event's time (Unix seconds; see [`Event::created`]).
    pub created: i64,
    /// The new plan; `None` keeps the current one.
    pub plan: Option<PlanName>,
    pub status: String,
    pub customer: Option<String>,
    pub subscription: Option<String>,
}

fn text(v: &Value, path: &[&str]) -> Option<String> {
    let mut at = v;
    for key in path {
        at = at.get(*key)?;
    }
    at.as_str().map(str::to_string)
}

/// The plan a subscription object is for: its first item's price, else
/// `metadata.plan`.
fn subscription_plan(object: &Value, plans: &Plans) -> Option<PlanName> {
    let price = object
        .get("items")
        .and_then(|i| i.get("data"))
        .and_then(|d| d.get(0))
        .and_then(|item| text(item, &["price", "id"]));
    price
        .and_then(|p| plans.by_price(&p))
        .or_else(|| text(object, &["metadata", "plan"]).and_then(|p| PlanName::parse(&p).ok()))
}

/// The plan change an event means, if any.
pub fn plan_change(event: &Event, plans: &Plans) -> Option<PlanChange> {
    let o = &event.object;
    let customer = text(o, &["customer"]);
    let change = |subject, plan, status: &str, customer, subscription| PlanChange {
        subject,
        created: event.created,
        plan,
        status: status.into(),
        customer,
        subscription,
    };
    match event.event_type.as_str() {
        // A completed Checkout links the customer; the plan only once paid
        // (an asynchronous payment method completes unpaid and pays later:
        // `checkout.session.async_payment_succeeded`).
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
            let user = text(o, &["client_reference_id"])?.parse().ok()?;
            let plan = text(o, &["metadata", "plan"]).and_then(|p| PlanName::parse(&p).ok())?;
            let paid = matches!(
                text(o, &["payment_status"]).as_deref(),
                Some("paid" | "no_payment_required")
            );
            let (plan, status) = if paid {
                (Some(plan), "active")
            } else {
                (None, "incomplete")
            };
            let subscription = text(o, &["subscription"]);
            Some(change(
                Subject::User(user),
                plan,
                status,
                customer,
                subscription,
            ))
        }
        "customer.subscription.updated" => {
            let status = text(o, &["status"]).unwrap_or_default();
            let (plan, status) = match status.as_str() {
                "active" | "trialing" => (subscription_plan(o, plans), "active"),
                "past_due" => (None, "past_due"),
                _ => (Some(PlanName::Free), "canceled"),
            };
            let subscription = text(o, &["id"]);
            Some(change(
                Subject::Customer(customer?),
                plan,
                status,
                None,
                subscription,
            ))
        }
        "customer.subscription.deleted" => {
            let subscription = text(o, &["id"]);
            let subject = Subject::Customer(customer?);
            Some(change(
                subject,
                Some(PlanName::Free),
                "canceled",
                None,
                subscription,
            ))
        }
        "invoice.payment_failed" => {
            let subscription = text(o, &["subscription"]);
            Some(change(
                Subject::Customer(customer?),
                None,
                "past_due",
                None,
                subscription,
            ))
        }
        _ => None,
    }
}

/// Whether `change` still applies to a user whose billing was last set by
/// an event of `last_event` (Unix seconds) for `subscription`, in status
/// `status`: an event older than the last one applied is stale (a late
/// `updated(active)` after `deleted` must not restore the plan), at the
/// same second a cancellation stands, and an event of another
/// subscription than the user's current one changes nothing.
pub fn still_applies(
    change: &PlanChange,
    last_event: Option<i64>,
    subscription: Option<&str>,
    status: &str,
) -> bool {
    if let (Some(theirs), Some(current)) = (change.subscription.as_deref(), subscription) {
        let checkout = matches!(change.subject, Subject::User(_));
        if theirs != current && !checkout {
            return false;
        }
    }
    match last_event {
        None => true,
        Some(last) if change.created > last => true,
        Some(last) if change.created == last => status != "canceled" || change.status == "canceled",
        Some(_) => false,
    }
}

fn stripe_post(
    agent: &doctown_http::Http,
    config: &StripeConfig,
    path: &str,
    form: &[(&str, &str)],
) -> Result<Value> {
    let auth = format!("Bearer {}", config.secret_key);
    let url = format!("{}{path}", config.api_base);
    let reply = http::post_form(agent, &url, &[("Authorization", auth.as_str())], form)?;
    let body = reply.json()?;
    if reply.status / 100 != 2 {
        let message =
            text(&body, &["error", "message"]).unwrap_or_else(|| "no reason given".into());
        return Err(AccountsError::Upstream(format!(
            "Stripe answered {}: {message}",
            reply.status
        )));
    }
    Ok(body)
}

/// What a Checkout session is made for.
#[derive(Debug, Clone)]
pub struct CheckoutRequest<'a> {
    pub user_id: i64,
    pub email: Option<&'a str>,
    pub customer: Option<&'a str>,
    pub plan: PlanName,
    pub price: &'a str,
    pub success_url: &'a str,
    pub cancel_url: &'a str,
}

/// Creates a subscription Checkout session; returns its URL.
pub fn create_checkout(
    agent: &doctown_http::Http,
    config: &StripeConfig,
    req: &CheckoutRequest<'_>,
) -> Result<String> {
    let user = req.user_id.to_string();
    let mut form = vec![
        ("mode", "subscription"),
        ("line_items[0][price]", req.price),
        ("line_items[0][quantity]", "1"),
        ("client_reference_id", user.as_str()),
        ("success_url", req.success_url),
        ("cancel_url", req.cancel_url),
        ("metadata[plan]", req.plan.as_str()),
        ("subscription_data[metadata][plan]", req.plan.as_str()),
        ("subscription_data[metadata][user_id]", user.as_str()),
    ];
    match (req.customer, req.email) {
        (Some(customer), _) => form.push(("customer", customer)),
        (None, Some(email)) => form.push(("customer_email", email)),
        (None, None) => {}
    }
    let body = stripe_post(agent, config, "/v1/checkout/sessions", &form)?;
    text(&body, &["url"])
        .ok_or_else(|| AccountsError::Upstream("Stripe's session has no url".into()))
}

/// Creates a customer-portal session; returns its URL.
pub fn create_portal(
    agent: &doctown_http::Http,
    config: &StripeConfig,
    customer: &str,
    return_url: &str,
) -> Result<String> {
    let form = [("customer", customer), ("return_url", return_url)];
    let body = stripe_post(agent, config, "/v1/billing_portal/sessions", &form)?;
    text(&body, &["url"])
        .ok_or_else(|| AccountsError::Upstream("Stripe's session has no url".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn signatures_verify_within_tolerance() {
        let body = br#"{"id":"evt_1"}"#;
        let header = sign("whsec", 1000, body);
        assert!(verify("whsec", Some(&header), body, 1100, 300).is_ok());
        assert!(verify("other", Some(&header), body, 1100, 300).is_err());
        assert!(verify("whsec", Some(&header), b"{}", 1100, 300).is_err());
        assert!(
            verify("whsec", Some(&header), body, 1301, 300).is_err(),
            "too old"
        );
        assert!(verify("whsec", None, body, 1000, 300).is_err());
        assert!(verify("whsec", Some("t=1000,v1=zz"), body, 1000, 300).is_err());
        // Several v1 (secret rotation): one match is enough.
        let two = format!("{header},v1={}", "00".repeat(32));
        assert!(verify("whsec", Some(&two), body, 1000, 300).is_ok());
    }

    #[test]
    fn events_change_plans() {
        let mut plans = Plans::default();
        plans.team.stripe_price = Some("price_team".into());
        let event = |t: &str, object: Value| Event {
            id: "evt".into(),
            event_type: t.into(),
            object,
            created: 100,
        };
        let done = plan_change(
            &event(
                "checkout.session.completed",
                json!({"client_reference_id": "7", "customer": "cus_1", "payment_status": "paid",
                "subscription": "sub_1", "metadata": {"plan": "creator"}}),
            ),
            &plans,
        )
        .unwrap();
        assert_eq!(done.subject, Subject::User(7));
        assert_eq!(done.plan, Some(PlanName::Creator));
        assert_eq!(done.customer.as_deref(), Some("cus_1"));
        let updated = plan_change(
            &event(
                "customer.subscription.updated",
                json!({"id": "sub_1", "customer": "cus_1", "status": "active",
                "items": {"data": [{"price": {"id": "price_team"}}]}}),
            ),
            &plans,
        )
        .unwrap();
        assert_eq!(updated.plan, Some(PlanName::Team));
        let deleted = plan_change(
            &event(
                "customer.subscription.deleted",
                json!({"customer": "cus_1"}),
            ),
            &plans,
        )
        .unwrap();
        assert_eq!(
            (deleted.plan, deleted.status.as_str()),
            (Some(PlanName::Free), "canceled")
        );
        let failed = plan_change(
            &event("invoice.payment_failed", json!({"customer": "cus_1"})),
            &plans,
        )
        .unwrap();
        assert_eq!((failed.plan, failed.status.as_str()), (None, "past_due"));
        assert!(plan_change(&event("charge.refunded", json!({})), &plans).is_none());
        // Unpaid: the customer is linked, the plan waits for the payment.
        let unpaid = plan_change(
            &event(
                "checkout.session.completed",
                json!({"client_reference_id": "7", "customer": "cus_1", "payment_status": "unpaid",
                "subscription": "sub_1", "metadata": {"plan": "creator"}}),
            ),
            &plans,
        )
        .unwrap();
        assert_eq!((unpaid.plan, unpaid.status.as_str()), (None, "incomplete"));
        assert_eq!(unpaid.customer.as_deref(), Some("cus_1"));
    }

    #[test]
    fn older_and_foreign_events_do_not_apply() {
        let at = |created: i64, status: &str, subscription: &str| PlanChange {
            subject: Subject::Customer("cus_1".into()),
            created,
            plan: None,
            status: status.into(),
            customer: None,
            subscription: Some(subscription.into()),
        };
        assert!(still_applies(&at(5, "active", "sub_1"), None, None, "none"));
        // (event made at, its status, its subscription; the user's status) → applies
        let cases = [
            ((6, "active", "sub_1"), "canceled", true),
            ((4, "active", "sub_1"), "canceled", false),
            ((5, "active", "sub_1"), "canceled", false),
            ((5, "canceled", "sub_1"), "active", true),
            ((9, "canceled", "sub_0"), "active", false),
        ];
        for ((created, status, sub), user_status, applies) in cases {
            let change = at(created, status, sub);
            let got = still_applies(&change, Some(5), Some("sub_1"), user_status);
            assert_eq!(got, applies, "{change:?} over {user_status}");
        }
    }
}
