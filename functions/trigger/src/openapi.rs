//! The OpenAPI 3.1 description of every route (`GET /openapi.json`). A
//! test checks that each entry of `routes::ROUTES` is described here.

use serde_json::{json, Value};

fn error_response(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn job_id_param() -> Value {
    json!({ "name": "id", "in": "path", "required": true, "schema": { "$ref": "#/components/schemas/JobId" } })
}

/// The schemas of the API's documents: the handlers' own request and
/// response types, then what the library and the queries answer.
fn schemas() -> Value {
    let error = json!({
        "Error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "string" } } }
    });
    merge(error, typed_schemas())
}

/// Generated from the types the handlers read and write, so the document
/// cannot drift from them: responses as they are serialised, requests as
/// they are read.
fn typed_schemas() -> Value {
    use crate::routes::jobs::{CreateJob, JobAccepted};
    use crate::routes::stages::InvokeStage;
    use schemars::generate::{Contract, SchemaSettings};
    let settings = |contract| {
        let mut s = SchemaSettings::draft2020_12();
        s.definitions_path = "/components/schemas".into();
        s.contract = contract;
        s.into_generator()
    };
    let mut responses = settings(Contract::Serialize);
    responses.subschema_for::<doctown_core::JobState>();
    responses.subschema_for::<doctown_core::Event>();
    responses.subschema_for::<JobAccepted>();
    responses.subschema_for::<doctown_core::Stage>();
    responses.subschema_for::<crate::routes::library::LibraryPage>();
    responses.subschema_for::<doctown_query::SearchResult>();
    responses.subschema_for::<doctown_query::AskAnswer>();
    responses.subschema_for::<doctown_query::Impact>();
    responses.subschema_for::<doctown_query::Outline>();
    responses.subschema_for::<doctown_query::Members>();
    responses.subschema_for::<doctown_query::views::SymbolDetail>();
    responses.subschema_for::<doctown_accounts::users::User>();
    responses.subschema_for::<doctown_accounts::plans::PlanLimits>();
    responses.subschema_for::<doctown_accounts::keys::ApiKey>();
    responses.subschema_for::<crate::routes::me::HistoryItem>();
    let mut requests = settings(Contract::Deserialize);
    requests.subschema_for::<CreateJob>();
    requests.subschema_for::<InvokeStage>();
    let mut all = responses.take_definitions(true);
    all.extend(requests.take_definitions(true));
    Value::Object(all)
}

/// Every route of the API but the accounts'.
fn paths() -> Value {
    let paths = merge(job_paths(), query_paths());
    merge(merge(paths, control_paths()), service_paths())
}

/// Submitting a job and following it: its state, events and docpack.
fn job_paths() -> Value {
    let secured = json!([{ "apiKey": [] }]);
    json!({
        "/jobs": { "post": {
            "summary": "Submit a repository", "operationId": "createJob", "security": secured,
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CreateJob" } } } },
            "responses": { "202": { "description": "Job created and queued", "headers": { "Location": { "schema": { "type": "string" } } },
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/JobAccepted" } } } },
                "400": error_response("Malformed body or repo_url"), "401": error_response("Missing or invalid API key"),
                "402": error_response("With accounts: a plan quota (jobs this month, repository size, private repositories)"),
                "403": error_response("Host not allowed or a private-network address"), "404": error_response("With accounts: the repository does not exist or the caller's GitHub account cannot see it"),
                "413": error_response("Body too large"), "429": error_response("Rate limit or too many jobs at once (Retry-After)"),
                "503": error_response("Launcher, storage or the accounts database unavailable") } } },
        "/jobs/{id}": { "get": {
            "summary": "The job's state document", "operationId": "getJob", "parameters": [job_id_param()],
            "responses": { "200": { "description": "State document", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/JobState" } } } },
                "400": error_response("Invalid job id"), "404": error_response("No such job") } } },
        "/jobs/{id}/events": { "get": {
            "summary": "The job's events (Server-Sent Events)", "operationId": "jobEvents",
            "description": "Every stored event in sequence order as `id: <sequence>`, `event: <type>`, `data: <envelope JSON>`; a keep-alive comment every 15 s; closes after the final job.completed.v1. Resume with Last-Event-ID or ?after=.",
            "parameters": [job_id_param(),
                { "name": "Last-Event-ID", "in": "header", "required": false, "schema": { "type": "string", "pattern": "^[0-9]+$" } },
                { "name": "after", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 0 } }],
            "responses": { "200": { "description": "Event stream", "content": { "text/event-stream": { "itemSchema": { "$ref": "#/components/schemas/Event" } } } },
                "400": error_response("Invalid job id or Last-Event-ID"), "404": error_response("No such job") } } },
        "/jobs/{id}/docpack": { "get": {
            "summary": "Download the job's docpack", "operationId": "downloadDocpack", "parameters": [job_id_param()],
            "responses": { "200": { "description": "The .docpack (gzip tar), with Content-Disposition", "content": { "application/gzip": { "schema": { "type": "string", "contentMediaType": "application/gzip" } } } },
                "307": { "description": "Redirect to a pre-signed URL" },
                "400": error_response("Invalid job id"), "404": error_response("No such job or no docpack yet") } } }
    })
}

/// Querying a finished job's docpack: search, ask, impact, and what the
/// explorer shows without downloading it (outline, members, symbol).
fn query_paths() -> Value {
    json!({
        "/jobs/{id}/search": { "get": {
            "summary": "Search the job's docpack (hybrid: words and meaning)", "operationId": "searchDocpack",
            "description": "The query engine over the finished job's docpack (loaded on first use and kept).",
            "parameters": [job_id_param(),
                { "name": "q", "in": "query", "required": true, "schema": { "type": "string", "minLength": 1 } },
                { "name": "limit", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": 50, "default": 20 } },
                { "name": "mode", "in": "query", "required": false, "schema": { "type": "string", "enum": ["hybrid", "lexical", "semantic"], "default": "hybrid" } }],
            "responses": { "200": { "description": "Ranked symbols", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/SearchResult" } } } },
                "400": error_response("Invalid job id, empty q, invalid limit or mode"),
                "404": error_response("No such job, no docpack, or no query engine on this host"),
                "409": error_response("The job has not finished") } } },
        "/jobs/{id}/ask": { "get": {
            "summary": "A cited answer to a question about the job's repository", "operationId": "askDocpack",
            "description": "What `doctown query ask --json` answers: the evidence (hybrid search, callers and callees, flows) and, when the server has a chat model (DOCTOWN_LLM_*) and the caller is not anonymous, the model's answer with every path:line citation checked against the evidence (others marked [unverified]); without a model the answer is the ranked evidence itself (`model`: `evidence`, `note` says why). `cited` names the symbol each verified citation points at.",
            "parameters": [job_id_param(),
                { "name": "q", "in": "query", "required": true, "schema": { "type": "string", "minLength": 1, "maxLength": 2000 } }],
            "responses": { "200": { "description": "The answer; with `Accept: text/event-stream`, Server-Sent Events: `text` (a piece of the model's answer as it is written, a JSON string), then `answer` (the AskAnswer) or `error` ({\"error\": \"one line\"})",
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AskAnswer" } }, "text/event-stream": { "schema": { "type": "string" } } } },
                "400": error_response("Invalid job id; q empty or over 2,000 characters"),
                "404": error_response("No such job, no docpack, or no query engine on this host"),
                "409": error_response("The job has not finished") } } },
        "/jobs/{id}/impact": { "get": {
            "summary": "What a change to a symbol affects", "operationId": "impactOfSymbol",
            "description": "What `doctown query impact --json` answers: every symbol that reaches the target through confident calls and references, nearest first (then most central), counted by depth; the tests that exercise any of it; the modules affected; the files importing the target's file.",
            "parameters": [job_id_param(),
                { "name": "symbol", "in": "query", "required": true, "description": "A symbol id, qualified name, `Type::method` or name", "schema": { "type": "string", "minLength": 1, "maxLength": 1024 } },
                { "name": "depth", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": 10, "default": 3 } },
                { "name": "limit", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": 200, "default": 50 } },
                { "name": "offset", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 0, "default": 0 } }],
            "responses": { "200": { "description": "The impact", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Impact" } } } },
                "400": error_response("Invalid job id, depth, limit or offset; no symbol named; a name of several symbols (the error lists them)"),
                "404": error_response("No such job, no docpack, no query engine on this host, or no such symbol"),
                "409": error_response("The job has not finished") } } },
        "/jobs/{id}/outline": { "get": {
            "summary": "The module level of the job's docpack", "operationId": "outlineDocpack",
            "description": "What the explorer draws its architecture map from without downloading the docpack: the manifest, the number of symbols, whether the server reads the docpack in place (too large to hold whole), and `docs.json` without each module's list of symbols (DOCPACK_SPEC.md §4.6).",
            "parameters": [job_id_param()],
            "responses": { "200": { "description": "The outline", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Outline" } } } },
                "400": error_response("Invalid job id"),
                "404": error_response("No such job, no docpack, or no query engine on this host"),
                "409": error_response("The job has not finished") } } },
        "/jobs/{id}/members": { "get": {
            "summary": "The symbols of a box of the architecture map", "operationId": "boxMembers",
            "description": "The symbols of one module (`module:<id>`) or of every module whose directory is a path or under it (`dir:<path>`), most central first, a page at a time.",
            "parameters": [job_id_param(),
                { "name": "box", "in": "query", "required": true, "schema": { "type": "string", "minLength": 1 } },
                { "name": "limit", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": 200, "default": 50 } },
                { "name": "offset", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 0, "default": 0 } }],
            "responses": { "200": { "description": "A page of members", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Members" } } } },
                "400": error_response("Invalid job id, box, limit or offset"),
                "404": error_response("No such job, no docpack, no query engine on this host, or no such box"),
                "409": error_response("The job has not finished") } } },
        "/jobs/{id}/symbol": { "get": {
            "summary": "A symbol of the job's docpack", "operationId": "symbolDetail",
            "description": "What `doctown query symbol --json` answers: the record, its most central callers and callees, members, tests, module, and up to `lines` source lines (marked stale when the checkout differs).",
            "parameters": [job_id_param(),
                { "name": "symbol", "in": "query", "required": true, "description": "A symbol id, qualified name, `Type::method` or name", "schema": { "type": "string", "minLength": 1, "maxLength": 1024 } },
                { "name": "lines", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 0, "maximum": 400, "default": 60 } }],
            "responses": { "200": { "description": "The symbol", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/SymbolDetail" } } } },
                "400": error_response("Invalid job id or lines; no symbol named; a name of several symbols (the error lists them)"),
                "404": error_response("No such job, no docpack, no query engine on this host, or no such symbol"),
                "409": error_response("The job has not finished") } } }
    })
}

/// Cancelling a job, the library, re-running a stage, estimates and GitHub's webhook.
fn control_paths() -> Value {
    let secured = json!([{ "apiKey": [] }]);
    json!({
        "/jobs/{id}/cancel": { "post": {
            "summary": "Cancel a queued or running job", "operationId": "cancelJob", "security": secured, "parameters": [job_id_param()],
            "responses": { "202": { "description": "Cancelled", "content": { "application/json": { "schema": { "type": "object", "properties": {
                    "job_id": { "$ref": "#/components/schemas/JobId" }, "status": { "$ref": "#/components/schemas/JobStatus" } } } } } },
                "400": error_response("Invalid job id"), "401": error_response("Missing or invalid API key"),
                "404": error_response("No such job"), "409": error_response("Job already finished") } } },
        "/docpacks": { "get": {
            "summary": "The library: finished jobs with a docpack, newest first", "operationId": "listDocpacks",
            "parameters": [
                { "name": "limit", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": 100, "default": 20 } },
                { "name": "cursor", "in": "query", "required": false, "schema": { "type": "string" } }],
            "responses": { "200": { "description": "A page", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/LibraryPage" } } } },
                "400": error_response("Invalid limit or cursor") } } },
        "/stages/{stage}": { "post": {
            "summary": "Re-run one stage of a job (debugging); in process, the stages after it run again too", "operationId": "invokeStage", "security": secured,
            "parameters": [{ "name": "stage", "in": "path", "required": true, "schema": { "$ref": "#/components/schemas/Stage" } }],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/InvokeStage" } } } },
            "responses": { "202": { "description": "Stage started" }, "400": error_response("Malformed body, invalid job id, or shard unsupported"),
                "401": error_response("Missing or invalid API key"), "404": error_response("Unknown stage or job"),
                "409": error_response("The job is running"), "501": error_response("No handler for this stage here") } } },
        "/estimate": { "post": {
            "summary": "Expected model tokens and cost per tier, before any model is called", "operationId": "estimate",
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CreateJob" } } } },
            "responses": { "200": { "description": "The estimate: model, price and tiers", "content": { "application/json": { "schema": { "type": "object" } } } },
                "400": error_response("Malformed body or repo_url"), "403": error_response("Host not allowed or a private-network address"),
                "404": error_response("No model configured (summaries come from facts)"), "422": error_response("The repository could not be read") } } },
        "/webhooks/github": { "post": {
            "summary": "GitHub App webhook (push, pull_request, installation_repositories, installation, ping)", "operationId": "githubWebhook",
            "parameters": [
                { "name": "X-Hub-Signature-256", "in": "header", "required": true, "schema": { "type": "string" } },
                { "name": "X-GitHub-Event", "in": "header", "required": true, "schema": { "type": "string" } },
                { "name": "X-GitHub-Delivery", "in": "header", "required": true, "schema": { "type": "string" } }],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object" } } } },
            "responses": { "200": { "description": "Ping, ignored event or duplicate delivery" }, "202": { "description": "Jobs created" },
                "400": error_response("Malformed payload or delivery id"), "401": error_response("Missing or invalid signature"),
                "403": error_response("Repository not allowed"), "413": error_response("Body too large (5 MiB)"),
                "503": error_response("Webhooks not configured") } } }
    })
}

/// The service's own routes: health, metrics and this document.
fn service_paths() -> Value {
    json!({
        "/health": { "get": { "summary": "Liveness", "operationId": "health",
            "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": { "type": "object" } } } } } } },
        "/metrics": { "get": { "summary": "Prometheus metrics", "operationId": "metrics",
            "responses": { "200": { "description": "Text exposition format 0.0.4", "content": { "text/plain": { "schema": { "type": "string" } } } } } } },
        "/openapi.json": { "get": { "summary": "This document", "operationId": "openapi",
            "responses": { "200": { "description": "OpenAPI 3.1", "content": { "application/json": { "schema": { "type": "object" } } } } } } }
    })
}

fn accounts_schemas() -> Value {
    json!({
        "Me": { "type": "object", "required": ["mode", "user"], "properties": {
            "mode": { "type": "string", "enum": ["local", "accounts"] },
            "user": { "oneOf": [{ "$ref": "#/components/schemas/User" }, { "type": "null" }] },
            "auth": { "type": "string", "enum": ["session", "key", "operator"] },
            "csrf_token": { "type": "string", "description": "Send as X-CSRF-Token on every cookie-authenticated POST/DELETE." },
            "plan": { "$ref": "#/components/schemas/PlanName" }, "limits": { "$ref": "#/components/schemas/PlanLimits" },
            "sign_in_url": { "type": ["string", "null"] }, "anonymous_builds": { "type": "boolean" }, "billing": { "type": "boolean" } } },
        "NewKey": { "type": "object", "required": ["name"], "properties": {
            "name": { "type": "string", "maxLength": 100 }, "scopes": { "type": "array", "items": { "$ref": "#/components/schemas/Scope" }, "default": ["read"] } } },
        "AccountItem": { "allOf": [{ "$ref": "#/components/schemas/LibraryItem" }, { "type": "object", "properties": {
            "owner": { "type": ["string", "null"] }, "visibility": { "$ref": "#/components/schemas/Visibility" },
            "shared": { "type": "boolean" }, "checksum": { "type": ["string", "null"] } } }] },
        "Share": { "type": "object", "properties": {
            "job_id": { "$ref": "#/components/schemas/JobId" }, "token": { "type": ["string", "null"] },
            "url": { "type": ["string", "null"] }, "download_url": { "type": ["string", "null"] },
            "page_url": { "type": ["string", "null"], "description": "The website's page for the link (`/s/{token}`)" } } },
        "Url": { "type": "object", "required": ["url"], "properties": { "url": { "type": "string" } } }
    })
}

fn json_body(schema: &str) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

fn ok(description: &str, schema: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

fn page_params() -> Value {
    json!([
        { "name": "limit", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": 100, "default": 20 } },
        { "name": "cursor", "in": "query", "required": false, "schema": { "type": "string" } }])
}

fn accounts_paths() -> Value {
    let user = json!([{ "session": [] }, { "apiKey": [] }]);
    let denied = error_response(
        "Not signed in, or a key without the needed scope (401/403); CSRF token missing (403)",
    );
    let token_param =
        json!({ "name": "token", "in": "path", "required": true, "schema": { "type": "string" } });
    json!({
        "/auth/github/login": { "get": { "summary": "Sign in with GitHub (browser redirect)", "operationId": "signIn", "tags": ["accounts"],
            "parameters": [{ "name": "redirect", "in": "query", "required": false, "schema": { "type": "string" }, "description": "A local path to return to (default /)." }],
            "responses": { "303": { "description": "To GitHub's authorize page; sets the __Host-doctown_oauth cookie (doctown_oauth on plain-HTTP loopback); ?private=1 also asks GitHub for private repositories (the repo scope)" }, "404": error_response("Accounts or GitHub sign-in not configured") } } },
        "/auth/github/callback": { "get": { "summary": "GitHub's redirect back", "operationId": "signInCallback", "tags": ["accounts"],
            "parameters": [{ "name": "code", "in": "query", "schema": { "type": "string" } }, { "name": "state", "in": "query", "schema": { "type": "string" } }],
            "responses": { "303": { "description": "Signed in: sets __Host-doctown_session (HttpOnly, SameSite=Lax, Secure; doctown_session on plain-HTTP loopback); to the redirect path" },
                "401": error_response("Forged, replayed or expired state, or a state this browser did not start"), "502": error_response("GitHub did not answer") } } },
        "/auth/logout": { "post": { "summary": "Sign out (?everywhere=1: every session of the user; needs the admin scope with a key)", "operationId": "signOut", "tags": ["accounts"], "security": user,
            "responses": { "204": { "description": "Session deleted (or all of them), cookie cleared" }, "403": error_response("CSRF token missing or wrong") } } },
        "/me": { "get": { "summary": "The mode, the caller and the session's CSRF token", "operationId": "me", "tags": ["accounts"],
            "responses": { "200": ok("Who is calling (user null when signed out or in local mode)", "Me") } } },
        "/me/keys": {
            "get": { "summary": "My API keys (never their secrets)", "operationId": "listKeys", "tags": ["accounts"], "security": user,
                "responses": { "200": { "description": "{items: [ApiKey]}" }, "401": denied.clone() } },
            "post": { "summary": "Create an API key: the secret is in this answer only", "operationId": "createKey", "tags": ["accounts"], "security": user,
                "requestBody": json_body("NewKey"),
                "responses": { "201": { "description": "{key: ApiKey, secret: string}" }, "400": error_response("Bad name or scope"), "401": denied.clone(), "409": error_response("50 keys already") } } },
        "/me/keys/{id}": { "delete": { "summary": "Revoke one of my keys", "operationId": "revokeKey", "tags": ["accounts"], "security": user,
            "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
            "responses": { "204": { "description": "Revoked" }, "401": denied.clone(), "404": error_response("Not one of my keys") } } },
        "/me/usage": { "get": { "summary": "Plan, limits, this month's use and every plan", "operationId": "usage", "tags": ["accounts"], "security": user,
            "responses": { "200": { "description": "{plan, effective_plan, billing_status, limits, usage: {period, jobs, jobs_left, active_jobs, cost_usd}, plans}" }, "401": denied.clone() } } },
        "/me/jobs": { "get": { "summary": "My jobs, newest first, with cost and duration", "operationId": "myJobs", "tags": ["accounts"], "security": user,
            "parameters": page_params(),
            "responses": { "200": { "description": "{items: [HistoryItem], next_cursor}" }, "401": denied.clone() } } },
        "/jobs/{id}/visibility": { "post": { "summary": "Make my job and its docpack public or private", "operationId": "setVisibility", "tags": ["library"], "security": user,
            "parameters": [job_id_param()], "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["visibility"], "properties": { "visibility": { "$ref": "#/components/schemas/Visibility" } } } } } },
            "responses": { "200": { "description": "{job_id, visibility}" }, "401": denied.clone(), "404": error_response("Not my job") } } },
        "/jobs/{id}/share": {
            "post": { "summary": "Create (or replace) my docpack's share link", "operationId": "createShare", "tags": ["library"], "security": user,
                "parameters": [job_id_param()], "responses": { "201": ok("The link", "Share"), "401": denied.clone(), "404": error_response("Not my docpack (or not finished)") } },
            "get": { "summary": "My docpack's live share link", "operationId": "getShare", "tags": ["library"], "security": user,
                "parameters": [job_id_param()], "responses": { "200": ok("The link (token null when none)", "Share"), "404": error_response("Not my docpack") } },
            "delete": { "summary": "Revoke the share link (it stops working at once)", "operationId": "revokeShare", "tags": ["library"], "security": user,
                "parameters": [job_id_param()], "responses": { "204": { "description": "Revoked" }, "404": error_response("Not my docpack") } } },
        "/shared/{token}": { "get": { "summary": "What a share link opens (no account needed)", "operationId": "shared", "tags": ["library"],
            "parameters": [token_param.clone()], "responses": { "200": ok("The docpack", "AccountItem"), "404": error_response("Unknown or revoked link") } } },
        "/shared/{token}/docpack": { "get": { "summary": "Download a shared docpack", "operationId": "sharedDocpack", "tags": ["library"],
            "parameters": [token_param], "responses": { "200": { "description": "The .docpack, streamed" }, "307": { "description": "Pre-signed S3 URL" }, "404": error_response("Unknown or revoked link") } } },
        "/billing/checkout": { "post": { "summary": "A Stripe Checkout session to upgrade", "operationId": "checkout", "tags": ["billing"], "security": user,
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["plan"], "properties": { "plan": { "$ref": "#/components/schemas/PlanName" } } } } } },
            "responses": { "200": ok("Send the browser to url", "Url"), "400": error_response("Unknown or free plan"), "401": denied.clone(), "404": error_response("Billing not configured"), "502": error_response("Stripe failed") } } },
        "/billing/portal": { "post": { "summary": "A Stripe customer-portal session", "operationId": "portal", "tags": ["billing"], "security": user,
            "responses": { "200": ok("Send the browser to url", "Url"), "400": error_response("No subscription yet"), "401": denied } } },
        "/webhooks/stripe": { "post": { "summary": "Stripe webhook (checkout.session.completed, customer.subscription.updated/deleted, invoice.payment_failed)", "operationId": "stripeWebhook", "tags": ["billing"],
            "parameters": [{ "name": "Stripe-Signature", "in": "header", "required": true, "schema": { "type": "string" } }],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object" } } } },
            "responses": { "200": { "description": "{received, outcome: applied|duplicate|ignored}" }, "401": error_response("Bad signature or timestamp outside the tolerance") } } }
    })
}

fn merge(mut a: Value, b: Value) -> Value {
    if let (Some(a), Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}

/// The OpenAPI document.
pub fn document() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Doctown trigger API",
            "version": doctown_core::VERSION,
            "description": "Submit repositories, follow jobs live, download docpacks. Every path is also served under /api. Errors are {\"error\": \"one line\"}; 429 answers carry Retry-After. Local mode (no accounts): reads are open; mutating routes need `Authorization: Bearer <key>` when the server has API keys. With accounts (docs/ACCOUNTS.md): a caller is a session (cookie __Host-doctown_session, doctown_session on plain-HTTP loopback; every POST/DELETE needs X-CSRF-Token from GET /me), a user's key (Bearer dt_…, scopes read < build < admin), an operator key, or anonymous; a job, its events, docpack, search, ask and impact are visible to its owner, to anyone when public, and otherwise answer 404; quotas answer 402, rate limits 429, a database that is down 503."
        },
        "servers": [{ "url": "/" }, { "url": "/api" }],
        "paths": merge(paths(), accounts_paths()),
        "components": {
            "schemas": merge(schemas(), accounts_schemas()),
            "securitySchemes": {
                "apiKey": { "type": "http", "scheme": "bearer", "description": "An operator key whose SHA-256 is listed in DOCTOWN_API_KEYS_FILE, or (with accounts) a user's dt_… key." },
                "session": { "type": "apiKey", "in": "cookie", "name": "__Host-doctown_session", "description": "Set by the GitHub sign-in; mutations also need the X-CSRF-Token header." }
            }
        }
    })
}
