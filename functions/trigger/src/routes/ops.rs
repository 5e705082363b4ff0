//! Operations: `GET /health`, `GET /metrics`, `GET /openapi.json`.

use crate::error::{blocking, ApiError};
use crate::jobs_index::all_states;
use crate::routes::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;

pub async fn health(State(app): State<AppState>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "status": "ok",
        "version": doctown_core::VERSION,
        "stages": app.launcher.stages(),
        "uptime_seconds": app.started_at.elapsed().as_secs(),
    }))
}

pub async fn metrics(State(app): State<AppState>) -> Result<impl IntoResponse, ApiError> {
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
