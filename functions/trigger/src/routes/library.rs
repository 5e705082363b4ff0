//! `GET /docpacks`: the library of finished jobs with a docpack, newest
//! first, `?limit=` (1-100, default 20) and `?cursor=` (the `next_cursor` of
//! the previous page).

use crate::error::{blocking, ApiError};
use crate::routes::jobs::docpack_of;
use crate::routes::library_item::LibraryItem;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::Json;
use doctown_core::{JobId, JobState, JobStatus, Stage};
use doctown_store::job_ids_newest_first;
use doctown_store::load_state;
use serde::{Deserialize, Serialize};

pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;

#[derive(Debug, Deserialize)]
pub struct LibraryQuery {
    pub limit: Option<String>,
    pub cursor: Option<String>,
    /// With accounts: `mine` or `public`.
    pub scope: Option<String>,
}

/// A page of the library.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LibraryPage {
    pub items: Vec<LibraryItem>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

pub async fn list(
    State(app): State<AppState>,
    caller: crate::accounts::Caller,
    Query(query): Query<LibraryQuery>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    if app.accounts.is_some() {
        let accounts_query = super::shares::ListQuery {
            limit: query.limit,
            cursor: query.cursor,
            scope: query.scope,
        };
        return Ok(super::shares::list(&app, &caller, accounts_query)
            .await?
            .into_response());
    }
    Ok(local_list(app, query).await?.into_response())
}

async fn local_list(app: AppState, query: LibraryQuery) -> Result<Json<LibraryPage>, ApiError> {
    let limit = match query
        .limit
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => DEFAULT_LIMIT,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => {
                return Err(ApiError::bad_request(format!(
                    "invalid limit {text:?}: expected 1-{MAX_LIMIT}"
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
        Some(text) => Some(
            JobId::new(text)
                .map_err(|_| ApiError::bad_request(format!("invalid cursor {text:?}")))?,
        ),
    };
    let store = app.store.clone();
    let state = app.clone();
    blocking(move || {
        let ids = job_ids_newest_first(store.as_ref())?;
        let mut items = Vec::new();
        let mut next_cursor = None;
        let start = cursor
            .as_ref()
            .map_or(0, |c| ids.partition_point(|id| id >= c));
        for (i, id) in ids.iter().enumerate().skip(start) {
            let Ok(Some(job)) = load_state(store.as_ref(), id) else {
                continue;
            };
            if let Some(item) = library_item(&state, &job) {
                items.push(item);
                if items.len() == limit {
                    if i + 1 < ids.len() {
                        next_cursor = Some(id.to_string());
                    }
                    break;
                }
            }
        }
        Ok(Json(LibraryPage { items, next_cursor }))
    })
    .await
}

/// The library entry of a finished job with a docpack.
pub fn library_item(app: &AppState, state: &JobState) -> Option<LibraryItem> {
    if !matches!(state.status, JobStatus::Succeeded | JobStatus::Partial) {
        return None;
    }
    docpack_of(state)?;
    let pack = state.stage(Stage::Pack);
    let size = ["size_bytes", "bytes", "size", "docpack_bytes"]
        .iter()
        .find_map(|field| pack.summary.get(field).and_then(|v| v.as_u64()));
    let source = state.source.as_ref();
    Some(LibraryItem {
        job_id: state.job_id.clone(),
        name: state.docpack_name(),
        source: state.input.source.clone(),
        git_ref: source
            .and_then(|s| s.git_ref.clone())
            .or_else(|| state.input.git_ref.clone()),
        commit: source.and_then(|s| s.commit.clone()),
        size,
        status: state.status,
        created_at: state.created_at.clone(),
        finished_at: pack.finished_at.clone(),
        download_url: app.url(&format!("/jobs/{}/docpack", state.job_id)),
    })
}
