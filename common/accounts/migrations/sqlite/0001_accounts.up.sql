-- Doctown accounts, SQLite. Times are Unix milliseconds (INTEGER), money
-- is micro-dollars (INTEGER), flags are 0/1 INTEGERs: the same types as the
-- PostgreSQL schema, so one set of queries serves both.

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    github_id INTEGER NOT NULL UNIQUE,
    login TEXT NOT NULL,
    name TEXT,
    email TEXT,
    avatar_url TEXT,
    plan TEXT NOT NULL DEFAULT 'free',
    billing_status TEXT NOT NULL DEFAULT 'none',
    stripe_customer_id TEXT UNIQUE,
    stripe_subscription_id TEXT,
    github_token BLOB,
    github_token_key TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE oauth_states (
    state_hash TEXT PRIMARY KEY,
    pkce_verifier TEXT NOT NULL,
    redirect_to TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL UNIQUE,
    key_hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
);
CREATE INDEX api_keys_user ON api_keys(user_id);

CREATE TABLE plans (
    name TEXT PRIMARY KEY,
    jobs_per_month INTEGER NOT NULL,
    max_repo_mb INTEGER NOT NULL,
    model_budget_micros INTEGER NOT NULL,
    private_repos INTEGER NOT NULL,
    concurrent_jobs INTEGER NOT NULL,
    requests_per_minute INTEGER NOT NULL,
    stripe_price_id TEXT,
    updated_at INTEGER NOT NULL
);

CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    owner_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    api_key_id INTEGER,
    client_ip TEXT,
    source TEXT NOT NULL,
    git_ref TEXT,
    commit_sha TEXT,
    private INTEGER NOT NULL DEFAULT 0,
    visibility TEXT NOT NULL,
    status TEXT NOT NULL,
    cost_micros INTEGER NOT NULL DEFAULT 0,
    duration_ms INTEGER,
    error TEXT,
    period TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE INDEX jobs_owner ON jobs(owner_id, id);
CREATE INDEX jobs_anonymous_ip ON jobs(client_ip, created_at) WHERE owner_id IS NULL;
CREATE INDEX jobs_active ON jobs(owner_id, id) WHERE status IN ('queued', 'running');

CREATE TABLE docpacks (
    job_id TEXT PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
    owner_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    source TEXT NOT NULL,
    git_ref TEXT,
    commit_sha TEXT,
    checksum TEXT,
    size_bytes INTEGER,
    storage_key TEXT NOT NULL,
    visibility TEXT NOT NULL,
    share_token_hash TEXT UNIQUE,
    share_token BLOB,
    share_token_key TEXT,
    shared_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX docpacks_owner ON docpacks(owner_id, job_id);
CREATE INDEX docpacks_visibility ON docpacks(visibility, job_id);

CREATE TABLE usage (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    jobs INTEGER NOT NULL DEFAULT 0,
    cost_micros INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, period)
);

CREATE TABLE repositories (
    full_name TEXT PRIMARY KEY,
    github_id INTEGER,
    private INTEGER NOT NULL,
    size_kb INTEGER NOT NULL,
    default_branch TEXT,
    installation_id INTEGER,
    checked_at INTEGER NOT NULL
);

CREATE TABLE installations (
    id INTEGER PRIMARY KEY,
    account_login TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    suspended_at INTEGER
);

CREATE TABLE stripe_events (
    id TEXT PRIMARY KEY,
    event_type TEXT NOT NULL,
    received_at INTEGER NOT NULL
);
