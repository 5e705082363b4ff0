//! `GET /jobs/{id}/search?q=…[&limit=N][&mode=hybrid|lexical|semantic]`:
//! the query engine's hybrid search over a finished job's docpack, for the
//! website's search box. The docpack is loaded on first use and kept (the
//! engine's catalog cache); the answer is the engine's `SearchResult`.

use super::{job_id_from_path, AppState};
use crate::error::{blocking, ApiError};
use axum::extract::{Path, Query, State};
use axum::Json;
use doctown_query::{query_vector, search as run_search, Mode, QueryError, SearchRequest};
use serde::Deserialize;
use std::sync::Arc;

/// What the search route answers with.
#[derive(Clone)]
pub struct QueryState {
    pub engine: Arc<doctown_query::Engine>,
    pub embedder: Option<Arc<dyn doctown_query::QueryEmbedder>>,
}

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    pub q: Option<String>,
    pub limit: Option<String>,
    pub mode: Option<String>,
}

pub async fn search(
    State(app): State<AppState>,
    caller: crate::accounts::Caller,
    Path(id): Path<String>,
    Query(params): Query<SearchQuery>,
) -> Result<Json<doctown_query::SearchResult>, ApiError> {
    let job = job_id_from_path(&id)?;
    crate::accounts::read_job(&app, &caller, &job).await?;
    let state = app
        .query
        .clone()
        .ok_or_else(|| ApiError::not_found("search is not served by this host"))?;
    let text = params.q.unwrap_or_default();
    if text.trim().is_empty() {
        return Err(ApiError::bad_request("q: the query is empty"));
    }
    let limit = match params.limit.as_deref().map(str::trim) {
        None | Some("") => 20,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if (1..=50).contains(&n) => n,
            _ => {
                return Err(ApiError::bad_request(format!(
                    "invalid limit {l:?}: expected 1-50"
                )))
            }
        },
    };
    let mode: Mode = match params.mode.as_deref() {
        None | Some("") => Mode::Hybrid,
        Some(m) => m
            .parse()
            .map_err(|e: QueryError| ApiError::bad_request(e.to_string()))?,
    };
    blocking(move || {
        let packs = state
            .engine
            .packs(Some(job.as_str()))
            .map_err(query_error)?;
        let (vector, note) = match mode {
            Mode::Lexical => (None, None),
            _ => query_vector(&packs, state.embedder.as_deref(), &text),
        };
        let request = SearchRequest {
            query: text,
            vector,
            mode,
            limit,
            expand: 3,
            ..SearchRequest::default()
        };
        let mut result = run_search(&packs, &request).map_err(query_error)?;
        result.notes.extend(note);
        Ok(Json(result))
    })
    .await
}

fn query_error(e: QueryError) -> ApiError {
    match e {
        QueryError::UnknownDocpack { .. } => ApiError::not_found(e.to_string()),
        QueryError::Load { .. } => ApiError::internal(e.to_string()),
        _ => ApiError::bad_request(e.to_string()),
    }
}
