//! The OpenAPI 3.1 description of every route (`GET /openapi.json`). A
//! test checks that each entry of `routes::ROUTES` is described here.

use serde_json::{json, Value};

fn error_response(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn job_id_param() -> Value {
    json!({ "name": "id", "in": "path", "required": true, "schema": { "$ref": "#/components/schemas/JobId" } })
}

fn schemas() -> Value {
    json!({
        "Error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "string" } } },
        "JobId": { "type": "string", "pattern": "^[a-z0-9_-]{1,64}$", "examples": ["job-0190a1b2c3d4e-1a2b3c4d"] },
        "Stage": { "type": "string", "enum": ["ingest", "embed", "assemble", "generate", "pack"] },
        "JobStatus": { "type": "string", "enum": ["queued", "running", "succeeded", "partial", "failed", "cancelled"] },
        "CreateJob": {
            "type": "object", "required": ["repo_url"],
            "properties": {
                "repo_url": { "type": "string", "description": "A repository URL on an allowed host (default github.com); local paths only on servers started with allow_local." },
                "git_ref": { "type": ["string", "null"], "description": "Branch, tag or commit; the default branch when absent." }
            }
        },
        "JobLinks": { "type": "object", "properties": {
            "self": { "type": "string" }, "events": { "type": "string" }, "docpack": { "type": "string" }, "cancel": { "type": "string" } } },
        "JobAccepted": { "type": "object", "required": ["job_id", "status"], "properties": {
            "job_id": { "$ref": "#/components/schemas/JobId" }, "status": { "$ref": "#/components/schemas/JobStatus" },
            "repo_url": { "type": "string" }, "git_ref": { "type": ["string", "null"] }, "links": { "$ref": "#/components/schemas/JobLinks" } } },
        "JobState": {
            "type": "object", "description": "The job's state document (jobs/<id>/state.json), version 1.",
            "required": ["version", "job_id", "input", "status", "created_at", "updated_at", "stages", "next_event_seq"],
            "properties": {
                "version": { "type": "integer" }, "job_id": { "$ref": "#/components/schemas/JobId" },
                "input": { "type": "object", "properties": { "source": { "type": "string" }, "ref": { "type": "string" }, "options": { "type": "object" } } },
                "source": { "type": "object", "properties": { "kind": { "type": "string" }, "name": { "type": "string" }, "url": { "type": "string" }, "ref": { "type": "string" }, "commit": { "type": "string" } } },
                "status": { "$ref": "#/components/schemas/JobStatus" },
                "created_at": { "type": "string", "format": "date-time" }, "updated_at": { "type": "string", "format": "date-time" },
                "stages": { "type": "object", "additionalProperties": { "type": "object", "properties": {
                    "status": { "type": "string" }, "attempts": { "type": "integer" }, "started_at": { "type": "string" }, "finished_at": { "type": "string" },
                    "duration_ms": { "type": "integer" }, "artifacts": { "type": "object", "additionalProperties": { "type": "string" } },
                    "summary": {}, "error": { "type": "object", "properties": { "message": { "type": "string" }, "retryable": { "type": "boolean" } } } } } },
                "next_event_seq": { "type": "integer" }, "error": { "type": ["string", "null"] }
            }
        },
        "Event": {
            "type": "object", "description": "Event envelope v1.",
            "required": ["id", "type", "job_id", "sequence", "timestamp", "context", "meta", "payload"],
            "properties": {
                "id": { "type": "string" }, "type": { "type": "string", "examples": ["ingest.file_detected.v1", "job.completed.v1"] },
                "job_id": { "$ref": "#/components/schemas/JobId" }, "sequence": { "type": "integer" }, "timestamp": { "type": "string", "format": "date-time" },
                "context": { "type": "object" }, "meta": { "type": "object" }, "status": { "$ref": "#/components/schemas/JobStatus" }, "payload": {}
            }
        },
        "LibraryItem": { "type": "object", "required": ["job_id", "name", "source", "status", "created_at", "download_url"], "properties": {
            "job_id": { "$ref": "#/components/schemas/JobId" }, "name": { "type": "string" }, "source": { "type": "string" },
            "ref": { "type": ["string", "null"] }, "commit": { "type": ["string", "null"] }, "size": { "type": ["integer", "null"] },
            "status": { "$ref": "#/components/schemas/JobStatus" }, "created_at": { "type": "string" }, "finished_at": { "type": ["string", "null"] },
            "download_url": { "type": "string" } } },
        "LibraryPage": { "type": "object", "required": ["items"], "properties": {
            "items": { "type": "array", "items": { "$ref": "#/components/schemas/LibraryItem" } }, "next_cursor": { "type": ["string", "null"] } } },
        "InvokeStage": { "type": "object", "required": ["job_id"], "properties": {
            "job_id": { "$ref": "#/components/schemas/JobId" }, "shard": { "type": ["integer", "null"], "minimum": 0 } } }
    })
}

fn paths() -> Value {
    let secured = json!([{ "apiKey": [] }]);
    json!({
        "/jobs": { "post": {
            "summary": "Submit a repository", "operationId": "createJob", "security": secured,
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CreateJob" } } } },
            "responses": { "202": { "description": "Job created and queued", "headers": { "Location": { "schema": { "type": "string" } } },
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/JobAccepted" } } } },
                "400": error_response("Malformed body or repo_url"), "401": error_response("Missing or invalid API key"),
                "403": error_response("Host not allowed or a private-network address"), "413": error_response("Body too large"),
                "503": error_response("Launcher or storage unavailable") } } },
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
                "400": error_response("Invalid job id"), "404": error_response("No such job or no docpack yet") } } },
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
            "summary": "Re-run one stage of a job (debugging)", "operationId": "invokeStage", "security": secured,
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
            "summary": "GitHub App webhook (push, installation_repositories, installation, ping)", "operationId": "githubWebhook",
            "parameters": [
                { "name": "X-Hub-Signature-256", "in": "header", "required": true, "schema": { "type": "string" } },
                { "name": "X-GitHub-Event", "in": "header", "required": true, "schema": { "type": "string" } },
                { "name": "X-GitHub-Delivery", "in": "header", "required": true, "schema": { "type": "string" } }],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object" } } } },
            "responses": { "200": { "description": "Ping, ignored event or duplicate delivery" }, "202": { "description": "Jobs created" },
                "400": error_response("Malformed payload or delivery id"), "401": error_response("Missing or invalid signature"),
                "403": error_response("Repository not allowed"), "413": error_response("Body too large (5 MiB)"),
                "503": error_response("Webhooks not configured") } } },
        "/health": { "get": { "summary": "Liveness", "operationId": "health",
            "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": { "type": "object" } } } } } } },
        "/metrics": { "get": { "summary": "Prometheus metrics", "operationId": "metrics",
            "responses": { "200": { "description": "Text exposition format 0.0.4", "content": { "text/plain": { "schema": { "type": "string" } } } } } } },
        "/openapi.json": { "get": { "summary": "This document", "operationId": "openapi",
            "responses": { "200": { "description": "OpenAPI 3.1", "content": { "application/json": { "schema": { "type": "object" } } } } } } }
    })
}

/// The OpenAPI document.
pub fn document() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Doctown trigger API",
            "version": doctown_core::VERSION,
            "description": "Submit repositories, follow jobs live, download docpacks. Every path is also served under /api. Reads are open; mutating routes need `Authorization: Bearer <key>` when the server has API keys. Errors are {\"error\": \"one line\"}."
        },
        "servers": [{ "url": "/" }, { "url": "/api" }],
        "paths": paths(),
        "components": {
            "schemas": schemas(),
            "securitySchemes": { "apiKey": { "type": "http", "scheme": "bearer", "description": "An API key whose SHA-256 is listed in DOCTOWN_API_KEYS_FILE." } }
        }
    })
}
