-- Doctown accounts, PostgreSQL. Times are Unix milliseconds (BIGINT), money
-- is micro-dollars (BIGINT), flags are 0/1 BIGINTs: the same types as the
-- SQLite schema, so one set of queries serves both.

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    github_id BIGINT NOT NULL UNIQUE,
    login TEXT NOT NULL,
    name TEXT,
    email TEXT,
    avatar_url TEXT,
    plan TEXT NOT NULL DEFAULT 'free',
    billing_status TEXT NOT NULL DEFAULT 'none',
    stripe_customer_id TEXT UNIQUE,
    stripe_subscription_id TEXT,
    github_token BYTEA,
    github_token_key TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE oauth_states (
    state_hash TEXT PRIMARY KEY,
    pkce_verifier TEXT NOT NULL,
    redirect_to TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL UNIQUE,
    key_hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_keys_user ON api_keys(user_id);

CREATE TABLE plans (
    name TEXT PRIMARY KEY,
    jobs_per_month BIGINT NOT NULL,
    max_repo_mb BIGINT NOT NULL,
    model_budget_micros BIGINT NOT NULL,
    private_repos BIGINT NOT NULL,
    concurrent_jobs BIGINT NOT NULL,
    requests_per_minute BIGINT NOT NULL,
    stripe_price_id TEXT,
    updated_at BIGINT NOT NULL
);

CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    owner_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    api_key_id BIGINT,
    client_ip TEXT,
    source TEXT NOT NULL,
    git_ref TEXT,
    commit_sha TEXT,
    private BIGINT NOT NULL DEFAULT 0,
    visibility TEXT NOT NULL,
    status TEXT NOT NULL,
    cost_micros BIGINT NOT NULL DEFAULT 0,
    duration_ms BIGINT,
    error TEXT,
    period TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX jobs_owner ON jobs(owner_id, id);
CREATE INDEX jobs_anonymous_ip ON jobs(client_ip, created_at) WHERE owner_id IS NULL;
CREATE INDEX jobs_active ON jobs(owner_id, id) WHERE status IN ('queued', 'running');

CREATE TABLE docpacks (
    job_id TEXT PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
    owner_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    source TEXT NOT NULL,
    git_ref TEXT,
    commit_sha TEXT,
    checksum TEXT,
    size_bytes BIGINT,
    storage_key TEXT NOT NULL,
    visibility TEXT NOT NULL,
    share_token_hash TEXT UNIQUE,
    share_token BYTEA,
    share_token_key TEXT,
    shared_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX docpacks_owner ON docpacks(owner_id, job_id);
CREATE INDEX docpacks_visibility ON docpacks(visibility, job_id);

CREATE TABLE usage (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    jobs BIGINT NOT NULL DEFAULT 0,
    cost_micros BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, period)
);

CREATE TABLE repositories (
    full_name TEXT PRIMARY KEY,
    github_id BIGINT,
    private BIGINT NOT NULL,
    size_kb BIGINT NOT NULL,
    default_branch TEXT,
    installation_id BIGINT,
    checked_at BIGINT NOT NULL
);

CREATE TABLE installations (
    id BIGINT PRIMARY KEY,
    account_login TEXT NOT NULL,
    user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    suspended_at BIGINT
);

CREATE TABLE stripe_events (
    id TEXT PRIMARY KEY,
    event_type TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
