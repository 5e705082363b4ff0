//! The query engine over a finished job's docpack, for the website:
//!
//! * `GET /jobs/{id}/search?q=…[&limit=N][&mode=hybrid|lexical|semantic]`:
//!   hybrid search (the engine's `SearchResult`);
//! * `GET /jobs/{id}/ask?q=…`: a cited answer (the engine's `AskAnswer`,
//!   as `doctown query ask --json` prints it): the configured model's
//!   answer with its citations checked against the evidence, or, without a
//!   model, the ranked evidence itself; `cited` names the symbol each
//!   citation points at. With `Accept: text/event-stream` the model's
//!   words stream as they come (`text` events), then the checked `answer`;
//! * `GET /jobs/{id}/impact?symbol=…[&depth=N][&limit=N][&offset=N]`: what
//!   a change to the symbol affects (the engine's `Impact`: callers by
//!   depth, tests, modules, importing files);
//! * `GET /jobs/{id}/outline`, `/members?box=…`, `/symbol?symbol=…`: what
//!   the explorer shows of a docpack it does not download (one too large
//!   for a browser tab): the module level, a box's members, a symbol.
//!
//! Each checks the caller like the job's other routes
//! (`crate::accounts::read_job`), then that the job has finished with a
//! docpack (409 while it runs, 404 when it has none). The docpack is loaded
//! on first use and kept (the engine's catalog cache). Bad input is a
//! one-line JSON error.

use super::job_id_from_path;
use super::jobs::{docpack_of, load_job};
use crate::accounts::Caller;
use crate::error::{blocking, ApiError};
use crate::state::{AppState, QueryState};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use doctown_core::JobId;
use doctown_query::outline::MAX_MEMBERS_PAGE;
use doctown_query::views::SymbolDetail;
use doctown_query::{
    ask, impact as run_impact, on_symbol, query_vector, search as run_search, AskAnswer, AskModel,
    Impact, Members, Mode, Outline, Pack, QueryError, Reader, SearchRequest, Target,
};
use serde::Deserialize;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

/// The longest question `ask` takes, in characters.
pub const MAX_QUESTION_CHARS: usize = 2_000;
/// The most affected symbols one page of `impact` lists.
pub const MAX_IMPACT_LIMIT: usize = 200;

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    pub q: Option<String>,
    pub limit: Option<String>,
    pub mode: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct AskQuery {
    pub q: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ImpactQuery {
    pub symbol: Option<String>,
    pub depth: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
}

/// Query parameters, or a one-line 400 naming what is wrong with them.
fn params<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    query
        .map(|Query(q)| q)
        .map_err(|e| ApiError::bad_request(format!("bad query string: {}", e.body_text())))
}

/// A number parameter in `range`, `default` when absent or empty.
fn number(
    name: &str,
    value: Option<&str>,
    default: usize,
    range: std::ops::RangeInclusive<usize>,
) -> Result<usize, ApiError> {
    match value.map(str::trim) {
        None | Some("") => Ok(default),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(ApiError::bad_request(format!(
                "invalid {name} {:?}: expected {}-{}",
                v.chars().take(40).collect::<String>(),
                range.start(),
                range.end()
            ))),
        },
    }
}

/// The job a query route names, once the caller may read it (as the
/// job's other routes check), and this host's query engine (404 naming
/// `what` when it serves none).
async fn readable(
    app: &AppState,
    caller: &Caller,
    id: &str,
    what: &str,
) -> Result<(JobId, QueryState), ApiError> {
    let job = job_id_from_path(id)?;
    crate::accounts::read_job(app, caller, &job).await?;
    Ok((job, query_state(app, what)?))
}

/// The route's query engine, or 404 when this host serves none.
fn query_state(app: &AppState, what: &str) -> Result<QueryState, ApiError> {
    app.query
        .clone()
        .ok_or_else(|| ApiError::not_found(format!("{what} is not served by this host")))
}

/// The job's docpack as the engine holds it, whole or in place (too large
/// to hold, or served so): 409 while the job runs, 404 when it finished
/// without one.
async fn job_target(app: &AppState, state: &QueryState, job: &JobId) -> Result<Target, ApiError> {
    job_finished(app, job).await?;
    let engine = state.engine.clone();
    let key = job.to_string();
    blocking(move || engine.target(Some(&key)).map_err(query_error)).await
}

/// 409 while the job runs, 404 when it finished without a docpack.
async fn job_finished(app: &AppState, job: &JobId) -> Result<(), ApiError> {
    let job_state = load_job(app, job).await?;
    if !job_state.status.is_terminal() {
        return Err(ApiError::conflict(format!(
            "job {job} has not finished (status {}); ask again when its docpack is ready",
            job_state.status
        )));
    }
    if docpack_of(&job_state).is_none() {
        return Err(ApiError::not_found(format!(
            "job {job} has no docpack (status {})",
            job_state.status
        )));
    }
    Ok(())
}

/// The job's docpack held whole (the questions that need it so).
async fn job_pack(app: &AppState, state: &QueryState, job: &JobId) -> Result<Arc<Pack>, ApiError> {
    job_finished(app, job).await?;
    let engine = state.engine.clone();
    let key = job.to_string();
    blocking(move || engine.pack(&key).map_err(query_error)).await
}

pub async fn search(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Json<doctown_query::SearchResult>, ApiError> {
    let (job, state) = readable(&app, &caller, &id, "search").await?;
    let params = params(query)?;
    let text = params.q.unwrap_or_default();
    if text.trim().is_empty() {
        return Err(ApiError::bad_request("q: the query is empty"));
    }
    let limit = number("limit", params.limit.as_deref(), 20, 1..=50)?;
    let mode: Mode = match params.mode.as_deref() {
        None | Some("") => Mode::Hybrid,
        Some(m) => m
            .parse()
            .map_err(|e: QueryError| ApiError::bad_request(e.to_string()))?,
    };
    let target = job_target(&app, &state, &job).await?;
    blocking(move || {
        let embedder = state.embedder.as_deref();
        let result = match target {
            Target::Whole(packs) => search_in(&packs, embedder, text, mode, limit),
            Target::InPlace(pack) => search_in(&[pack], embedder, text, mode, limit),
        };
        result.map(Json).map_err(query_error)
    })
    .await
}

fn search_in<R: Reader>(
    packs: &[Arc<R>],
    embedder: Option<&dyn doctown_query::QueryEmbedder>,
    text: String,
    mode: Mode,
    limit: usize,
) -> Result<doctown_query::SearchResult, QueryError> {
    let (vector, note) = match mode {
        Mode::Lexical => (None, None),
        _ => query_vector(packs, embedder, &text),
    };
    let request = SearchRequest {
        query: text,
        vector,
        mode,
        limit,
        expand: 3,
        ..SearchRequest::default()
    };
    let mut result = run_search(packs, &request)?;
    result.notes.extend(note);
    Ok(result)
}

/// `GET /jobs/{id}/ask?q=…`: what `doctown query ask --json` answers; with
/// `Accept: text/event-stream`, Server-Sent Events: `text` (a piece of the
/// model's answer as it is written, a JSON string), then `answer` (the
/// checked answer, as the JSON one) or `error` (`{"error": "one line"}`).
pub async fn ask(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    query: Result<Query<AskQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (job, state) = readable(&app, &caller, &id, "ask").await?;
    let question = params(query)?.q.unwrap_or_default();
    let question = question.trim().to_string();
    if question.is_empty() {
        return Err(ApiError::bad_request("q: the question is empty"));
    }
    let chars = question.chars().count();
    if chars > MAX_QUESTION_CHARS {
        return Err(ApiError::bad_request(format!(
            "q: a question is at most {MAX_QUESTION_CHARS} characters (this one has {chars})"
        )));
    }
    let Grant {
        model,
        withheld: note,
        payer,
    } = ask_model_for(&app, &state, &caller, &headers).await?;
    let pack = job_pack(&app, &state, &job).await?;
    let streamed = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/event-stream"));
    if !streamed {
        let answer =
            blocking(move || answer_question(&state, model, note, pack, question, &mut |_| {}))
                .await?;
        charge_usd(&app, payer, answer.cost_usd).await;
        return Ok(Json(answer).into_response());
    }
    let (tx, rx) = mpsc::channel::<Result<SseEvent, Infallible>>(64);
    let runtime = tokio::runtime::Handle::current();
    let charging = app.clone();
    tokio::task::spawn_blocking(move || {
        let pieces = tx.clone();
        let mut on_text = |piece: &str| {
            let data = serde_json::to_string(piece).unwrap_or_default();
            // A client that left stops reading; the answer is still finished.
            let _ = pieces.blocking_send(Ok(SseEvent::default().event("text").data(data)));
        };
        let last = match answer_question(&state, model, note, pack, question, &mut on_text) {
            Ok(answer) => {
                let cost = answer.cost_usd;
                runtime.spawn(async move { charge_usd(&charging, payer, cost).await });
                SseEvent::default()
                    .event("answer")
                    .data(serde_json::to_string(&answer).unwrap_or_default())
            }
            Err(e) => SseEvent::default()
                .event("error")
                .data(serde_json::json!({ "error": e.message }).to_string()),
        };
        let _ = tx.blocking_send(Ok(last));
    });
    Ok(Sse::new(ReceiverStream::new(rx))
        .keep_alive(KeepAlive::new().interval(app.config.keep_alive))
        .into_response())
}

/// Whether the server's model answers a caller, and who pays.
#[derive(Default)]
struct Grant {
    model: Option<Arc<dyn AskModel>>,
    /// Why the model was withheld (the answer's note).
    withheld: Option<String>,
    /// The user whose month is charged.
    payer: Option<i64>,
}

/// Whether the server's model answers this caller, and who pays: the
/// model costs the operator money, so it answers the operator, a user
/// whose plan's monthly model allowance (`jobs_per_month` jobs at
/// `model_budget_usd` each) is not spent (the answer is charged to their
/// month), or, without accounts, a caller with one of the API keys when
/// the server is reachable beyond loopback. Everyone else gets the
/// evidence, with a note saying why.
async fn ask_model_for(
    app: &AppState,
    state: &QueryState,
    caller: &Caller,
    headers: &HeaderMap,
) -> Result<Grant, ApiError> {
    let Some(model) = state.ask_model.clone() else {
        return Ok(Grant::default());
    };
    let granted = |payer| Grant {
        model: Some(model.clone()),
        withheld: None,
        payer,
    };
    let refused = |why: &str| {
        Ok(Grant {
            withheld: Some(why.to_string()),
            ..Grant::default()
        })
    };
    match (caller, &app.accounts) {
        (Caller::Anonymous { .. }, _) => refused("the model answers signed-in callers only"),
        (Caller::User { user, .. }, Some(accounts)) => {
            let limits = accounts.config.plans.limits(user.effective_plan());
            let allowance = limits.model_budget_usd * limits.jobs_per_month as f64;
            if accounts.db.month_cost(user.id).await? >= allowance {
                return refused("this month's model allowance of your plan is spent");
            }
            Ok(granted(Some(user.id)))
        }
        (Caller::Local, _) if app.config.ask_model_needs_key => {
            let key = crate::accounts::caller::bearer(headers);
            match key {
                Some(k) if crate::auth::api_key_matches(&app.config.api_key_hashes, &k) => {
                    Ok(granted(None))
                }
                _ => refused("the server's model answers callers with one of its API keys"),
            }
        }
        _ => Ok(granted(None)),
    }
}

/// Charges what an answer's model cost to `payer`'s month (logged, never
/// answered: the answer was given).
async fn charge_usd(app: &AppState, payer: Option<i64>, usd: f64) {
    let (Some(user), Some(accounts)) = (payer, &app.accounts) else {
        return;
    };
    if usd > 0.0 {
        if let Err(e) = accounts.db.charge_model(user, usd).await {
            tracing::warn!(user, "cannot charge an answer's model cost: {e}");
        }
    }
}

/// The engine's answer to `question` (blocking: the model is called here);
/// `note` says why there is no model, when it was withheld.
fn answer_question(
    state: &QueryState,
    model: Option<Arc<dyn AskModel>>,
    withheld: Option<String>,
    pack: Arc<Pack>,
    question: String,
    on_text: &mut dyn FnMut(&str),
) -> Result<AskAnswer, ApiError> {
    let packs = [pack];
    let (vector, note) = query_vector(&packs, state.embedder.as_deref(), &question);
    let request = SearchRequest {
        query: question,
        vector,
        ..SearchRequest::default()
    };
    let mut answer =
        ask::answer(&packs, &request, model.as_deref(), on_text).map_err(query_error)?;
    if withheld.is_some() {
        answer.note = withheld;
    }
    answer.evidence.notes.extend(note);
    Ok(answer)
}

/// `GET /jobs/{id}/impact?symbol=…`: what `doctown query impact --json` answers.
pub async fn impact(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    query: Result<Query<ImpactQuery>, QueryRejection>,
) -> Result<Json<Impact>, ApiError> {
    let (job, state) = readable(&app, &caller, &id, "impact").await?;
    let params = params(query)?;
    let symbol = params.symbol.unwrap_or_default().trim().to_string();
    if symbol.is_empty() {
        return Err(ApiError::bad_request(
            "symbol: name a symbol (an id or a name)",
        ));
    }
    let max_depth = doctown_query::impact::MAX_DEPTH as usize;
    let depth = number("depth", params.depth.as_deref(), 3, 1..=max_depth)? as u32;
    let limit = number("limit", params.limit.as_deref(), 50, 1..=MAX_IMPACT_LIMIT)?;
    let offset = number(
        "offset",
        params.offset.as_deref(),
        0,
        0..=doctown_query::impact::MAX_VISITED,
    )?;
    let target = job_target(&app, &state, &job).await?;
    blocking(move || {
        let answer = || -> Result<Impact, QueryError> {
            Ok(on_symbol!(state.engine, target, &symbol, |p, i| {
                run_impact(p, i, depth, offset, limit)
            }))
        };
        answer().map(Json).map_err(query_error)
    })
    .await
}

/// `GET /jobs/{id}/outline`: the module level as the docpack's docs state
/// it (without each module's symbol list), its manifest, its size, and
/// whether the server reads it in place; what the explorer draws its map
/// from before (or instead of) downloading the docpack.
pub async fn outline(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Outline>, ApiError> {
    let (job, state) = readable(&app, &caller, &id, "the outline").await?;
    let target = job_target(&app, &state, &job).await?;
    blocking(move || target.outline().map(Json).map_err(query_error)).await
}

#[derive(Debug, Deserialize)]
pub struct MembersQuery {
    #[serde(rename = "box")]
    pub key: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
}

/// `GET /jobs/{id}/members?box=module:…|dir:…[&limit=N][&offset=N]`: the
/// symbols of a box of the architecture map, most central first.
pub async fn members(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    query: Result<Query<MembersQuery>, QueryRejection>,
) -> Result<Json<Members>, ApiError> {
    let (job, state) = readable(&app, &caller, &id, "members").await?;
    let params = params(query)?;
    let key = params.key.unwrap_or_default().trim().to_string();
    if key.is_empty() {
        return Err(ApiError::bad_request(
            "box: name a box of the map (module:<id> or dir:<path>)",
        ));
    }
    let limit = number("limit", params.limit.as_deref(), 50, 1..=MAX_MEMBERS_PAGE)?;
    let offset = number("offset", params.offset.as_deref(), 0, 0..=u32::MAX as usize)?;
    let target = job_target(&app, &state, &job).await?;
    blocking(move || {
        target
            .members(&key, offset, limit)
            .map(Json)
            .map_err(query_error)
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct SymbolQuery {
    pub symbol: Option<String>,
    pub lines: Option<String>,
}

/// The most source lines `symbol` returns.
pub const MAX_SOURCE_LINES: usize = 400;

/// `GET /jobs/{id}/symbol?symbol=…[&lines=N]`: what `doctown query
/// symbol --json` answers: the symbol's record, callers, callees, members
/// and up to `lines` source lines.
pub async fn symbol(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    query: Result<Query<SymbolQuery>, QueryRejection>,
) -> Result<Json<SymbolDetail>, ApiError> {
    let (job, state) = readable(&app, &caller, &id, "symbol").await?;
    let params = params(query)?;
    let symbol = params.symbol.unwrap_or_default().trim().to_string();
    if symbol.is_empty() {
        return Err(ApiError::bad_request(
            "symbol: name a symbol (an id or a name)",
        ));
    }
    let lines = number("lines", params.lines.as_deref(), 60, 0..=MAX_SOURCE_LINES)?;
    let target = job_target(&app, &state, &job).await?;
    blocking(move || {
        let detail = || -> Result<SymbolDetail, QueryError> {
            on_symbol!(state.engine, target, &symbol, |p, i| p.detail(i, lines))
        };
        detail().map(Json).map_err(query_error)
    })
    .await
}

fn query_error(e: QueryError) -> ApiError {
    match e {
        // The job was checked before: it lost its docpack since. The
        // engine's message would list other jobs.
        QueryError::UnknownDocpack { key, .. } => {
            ApiError::not_found(format!("job {key} has no docpack"))
        }
        QueryError::UnknownSymbol { .. } => ApiError::not_found(e.to_string()),
        QueryError::Load { .. } => ApiError::internal(e.to_string()),
        _ => ApiError::bad_request(e.to_string()),
    }
}
