//! The library with accounts: listings from the database (`GET /docpacks`:
//! the caller's docpacks, or the public gallery), visibility, share links
//! and what a share link opens.
//!
//! - `POST /jobs/{id}/visibility {visibility}`: public or private (owner;
//!   a key needs `admin`).
//! - `POST /jobs/{id}/share` creates (or replaces) the share link,
//!   `GET /jobs/{id}/share` shows it, `DELETE /jobs/{id}/share` revokes it.
//! - `GET /shared/{token}`: the shared docpack's facts; `GET
//!   /shared/{token}/docpack` downloads it — no account needed, until the
//!   link is revoked.

use crate::accounts::{own_job, refresh_active, service, Caller};
use crate::error::ApiError;
use crate::routes::body::JsonBody;
use crate::routes::job_id_from_path;
use crate::routes::library_item::LibraryItem;
use crate::routes::me::{page, PageQuery};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use doctown_accounts::{DocpackRow, Scope, Visibility};
use doctown_core::{JobId, JobStatus};
use serde::{Deserialize, Serialize};

/// A library entry with its owner, visibility and share state.
#[derive(Debug, Clone, Serialize)]
pub struct AccountItem {
    #[serde(flatten)]
    pub item: LibraryItem,
    pub owner: Option<String>,
    pub visibility: Visibility,
    pub shared: bool,
    pub checksum: Option<String>,
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn item(app: &AppState, row: DocpackRow, download_url: String) -> Result<AccountItem, ApiError> {
    let job_id = JobId::new(&row.job_id).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(AccountItem {
        item: LibraryItem {
            job_id,
            name: row.name,
            source: row.source,
            git_ref: row.git_ref,
            commit: row.commit,
            size: row.size.map(|s| s.max(0) as u64),
            // A docpack comes from a job that succeeded, or partly did.
            status: match row.job_status.as_deref() {
                Some("partial") => JobStatus::Partial,
                _ => JobStatus::Succeeded,
            },
            created_at: rfc3339(row.job_created_at.unwrap_or(row.created_at)),
            finished_at: Some(rfc3339(row.job_finished_at.unwrap_or(row.created_at))),
            download_url: app.url(&download_url),
        },
        owner: row.owner,
        visibility: row.visibility,
        shared: row.shared,
        checksum: row.checksum,
    })
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub limit: Option<String>,
    pub cursor: Option<String>,
    /// `mine` (default when signed in) or `public` (the gallery).
    pub scope: Option<String>,
}

/// `GET /docpacks` with accounts.
pub async fn list(
    app: &AppState,
    caller: &Caller,
    query: ListQuery,
) -> Result<Json<serde_json::Value>, ApiError> {
    let accounts = service(app)?;
    let (limit, cursor) = page(&PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    })?;
    let mine = match query.scope.as_deref() {
        Some("public") => false,
        Some("mine") => true,
        None | Some("") => caller.user().is_some(),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "invalid scope {other:?}: mine or public"
            )))
        }
    };
    let rows = if mine {
        let user = caller.require(Scope::Read)?;
        refresh_active(app, Some(user.id)).await?;
        accounts
            .db
            .docpacks_of(user.id, cursor.as_deref(), limit + 1)
            .await?
    } else {
        accounts
            .db
            .public_docpacks(cursor.as_deref(), limit + 1)
            .await?
    };
    let next = (rows.len() > limit as usize).then(|| rows[limit as usize - 1].job_id.clone());
    let items = rows
        .into_iter()
        .take(limit as usize)
        .map(|row| {
            let url = format!("/jobs/{}/docpack", row.job_id);
            item(app, row, url)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(
        serde_json::json!({ "items": items, "next_cursor": next, "scope": if mine { "mine" } else { "public" } }),
    ))
}

#[derive(Debug, Deserialize)]
pub struct SetVisibility {
    pub visibility: String,
}

/// `POST /jobs/{id}/visibility`
pub async fn set_visibility(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<SetVisibility>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let accounts = service(&app)?;
    let job = job_id_from_path(&id)?;
    let user = caller.require(Scope::Admin)?;
    caller.check_csrf(&headers)?;
    let visibility = Visibility::parse(&request.visibility)?;
    accounts
        .db
        .set_visibility(user.id, job.as_str(), visibility)
        .await?;
    Ok(Json(
        serde_json::json!({ "job_id": job, "visibility": visibility }),
    ))
}

fn share_body(app: &AppState, job: &JobId, token: Option<String>) -> serde_json::Value {
    let url = token.as_ref().map(|t| app.url(&format!("/shared/{t}")));
    let download = token
        .as_ref()
        .map(|t| app.url(&format!("/shared/{t}/docpack")));
    // The website's page for the link (the link people pass around).
    let page = token.as_ref().map(|t| app.url(&format!("/s/{t}")));
    serde_json::json!({ "job_id": job, "token": token, "url": url, "download_url": download,
        "page_url": page })
}

/// `POST /jobs/{id}/share`
pub async fn create_share(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let accounts = service(&app)?;
    let job = job_id_from_path(&id)?;
    let user = caller.require(Scope::Admin)?;
    caller.check_csrf(&headers)?;
    own_job(&app, &caller, job.as_str(), Scope::Admin).await?;
    refresh_active(&app, Some(user.id)).await?;
    let token = accounts
        .db
        .create_share(user.id, job.as_str(), &accounts.config.keyring)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(share_body(&app, &job, Some(token))),
    ))
}

/// `GET /jobs/{id}/share`
pub async fn get_share(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let accounts = service(&app)?;
    let job = job_id_from_path(&id)?;
    let user = caller.require(Scope::Admin)?;
    let token = accounts
        .db
        .share_token(user.id, job.as_str(), &accounts.config.keyring)
        .await?;
    Ok(Json(share_body(&app, &job, token)))
}

/// `DELETE /jobs/{id}/share`
pub async fn revoke_share(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let accounts = service(&app)?;
    let job = job_id_from_path(&id)?;
    let user = caller.require(Scope::Admin)?;
    caller.check_csrf(&headers)?;
    accounts.db.revoke_share(user.id, job.as_str()).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn shared_row(app: &AppState, token: &str) -> Result<DocpackRow, ApiError> {
    let accounts = service(app)?;
    if token.len() > 100 {
        return Err(ApiError::not_found("no such share link"));
    }
    accounts
        .db
        .docpack_by_share(token)
        .await?
        .ok_or_else(|| ApiError::not_found("no such share link (revoked, or never made)"))
}

/// `GET /shared/{token}`
pub async fn shared(
    State(app): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<AccountItem>, ApiError> {
    let row = shared_row(&app, &token).await?;
    Ok(Json(item(&app, row, format!("/shared/{token}/docpack"))?))
}

/// `GET /shared/{token}/docpack`
pub async fn shared_docpack(
    State(app): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let row = shared_row(&app, &token).await?;
    let filename = format!("{}.docpack", sanitize(&row.name));
    super::jobs::send_docpack(&app, row.storage_key, filename).await
}

fn sanitize(name: &str) -> String {
    doctown_core::state::header_safe_name(name).unwrap_or_else(|| "docpack".into())
}
