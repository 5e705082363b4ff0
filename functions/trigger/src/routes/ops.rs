//! Operations: `GET /health`, `GET /metrics`, `GET /openapi.json`.

use crate::error::{blocking, ApiError};
use crate::jobs_index::all_states;
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;

pub async fn health(State(app): State<AppState>) -> Json<serde_json::Value> {
    let mut body = serde_json::json!({
        "status": "ok",
        "version": doctown_core::VERSION,
        "stages": app.launcher.stages(),
        "uptime_seconds": app.started_at.elapsed().as_secs(),
    });
    if let Some(accounts) = &app.accounts {
        let ok = accounts.db.ping().await.is_ok();
        body["database"] = if ok { "ok" } else { "unavailable" }.into();
        if !ok {
            body["status"] = "degraded".into();
        }
    }
    Json(body)
}

pub async fn metrics(
    State(app): State<AppState>,
    caller: crate::accounts::Caller,
) -> Result<impl IntoResponse, ApiError> {
    if !caller.is_trusted() {
        return Err(ApiError::forbidden(
            "with accounts, metrics need one of the operator's keys",
        ));
    }
    let store = app.store.clone();
    let states = blocking(move || Ok(all_states(store.as_ref())?)).await?;
    let launcher = app.launcher.clone();
    let depth = blocking(move || Ok(launcher.queue_depth())).await?;
    let text = crate::metrics::render(&states, depth, app.started_at.elapsed().as_secs_f64());
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    ))
}

pub async fn openapi() -> Json<serde_json::Value> {
    Json(crate::openapi::document())
}
