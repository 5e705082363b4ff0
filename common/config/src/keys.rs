//! Every setting Doctown reads, declared once: its name in a `doctown.toml`
//! (its environment variable is derived from it), what kind of value it
//! takes, who may set it, what happens when it is unset, and what it does.
//! The reference table (`docs/CONFIG.md`, `doctown config --markdown`) is
//! generated from this list, and a test checks that every `DOCTOWN_*` name
//! the code reads is declared here.

/// The kind of value a setting takes; values from the environment and from
/// files are checked against it when the configuration is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text.
    Text,
    /// Text never printed (keys, tokens, passwords).
    Secret,
    /// A file or directory; in a file, relative to the file's directory.
    Path,
    /// An `http://` or `https://` URL.
    Url,
    /// `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`).
    Flag,
    /// A whole number.
    Count,
    /// A non-negative number.
    Number,
    /// Comma-separated values (an array in a file).
    List,
    /// One of these words.
    OneOf(&'static [&'static str]),
}

/// Who may set a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Also a project's `doctown.toml`: it says how to build this
    /// repository and cannot send anything anywhere.
    Project,
    /// The environment and the user's own configuration file only: a
    /// repository being built must not choose where requests go, which
    /// keys are sent, which library is loaded or where files are written.
    User,
    /// The environment only (it names the file itself).
    Environment,
}

/// One setting.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    /// Dotted name in a file: `embed.batch_size` is `batch_size` under
    /// `[embed]`; its variable is `DOCTOWN_EMBED_BATCH_SIZE`.
    pub name: &'static str,
    pub kind: Kind,
    pub scope: Scope,
    /// What happens when it is unset.
    pub unset: &'static str,
    pub doc: &'static str,
}

impl Key {
    /// The environment variable: `DOCTOWN_` and the name in capitals, dots
    /// as underscores.
    pub fn env_name(&self) -> String {
        format!(
            "DOCTOWN_{}",
            self.name.replace('.', "_").to_ascii_uppercase()
        )
    }
}

const fn key(
    name: &'static str,
    kind: Kind,
    scope: Scope,
    unset: &'static str,
    doc: &'static str,
) -> Key {
    Key {
        name,
        kind,
        scope,
        unset,
        doc,
    }
}

use Kind::*;
use Scope::*;

const STAGES: &[&str] = &["ingest", "embed", "assemble", "generate", "pack"];

/// Every setting, by what it is for (the sections of `docs/CONFIG.md`).
#[rustfmt::skip]
pub const GROUPS: &[Group] = &[
    Group { title: "The command line and every process", keys: &[
        key("config", Path, Environment, "`$XDG_CONFIG_HOME/doctown/config.toml`, then the nearest `doctown.toml` from the working directory up", "The one configuration file to read instead of the usual places."),
        key("cache", Path, User, "`~/.cache/doctown`", "Caches: the model, the runtime, the model's optimised form, the build's target directory."),
        key("store", Path, User, "`doctown` under the user's data directory", "The local job store (`doctown build`, `jobs`, `serve`); `--store` overrides it."),
        key("log", Text, Project, "`warn` (`-v` info, `-vv` debug)", "Log filter, `tracing` syntax (`info`, `doctown_embed=debug`)."),
        key("stage", OneOf(STAGES), User, "the worker runs every stage", "The one stage a deployed worker (`doctown-lambda`, `doctown-runpod`) runs."),
        key("search.server_idle_secs", Number, User, "600", "How long the engine `doctown search` leaves running in the background keeps a docpack and the model loaded after its last search, so the next search of that docpack answers without loading it (`0`: no background engine)."),
    ]},
    Group { title: "Embeddings", keys: &[
        key("embeddings", Flag, Project, "on", "Whether builds embed chunks for semantic search (`off`: structural builds)."),
        key("ort_lib", Path, User, "the runtime beside the executable, else in the cache (`ORT_DYLIB_PATH` too)", "The ONNX Runtime library to load."),
        key("model.dir", Path, User, "the bundled model, else `cache/models/<model.id>`", "A sentence-transformers ONNX export to embed with."),
        key("model.id", Text, User, "the default model", "The model's id in docpacks and caches (another id skips the checksum)."),
        key("model.sha256", Text, User, "the default model's checksum", "The model file's SHA-256 (`none` skips the check)."),
        key("embed.backend", OneOf(&["onnx", "openai"]), User, "`onnx` (the local model)", "Who embeds: the local ONNX model or an OpenAI-compatible `/embeddings` endpoint."),
        key("embed.base_url", Url, User, "`https://api.openai.com/v1`", "The `openai` backend's endpoint base."),
        key("embed.model", Text, User, "none (required with `openai`)", "The `openai` backend's model name."),
        key("embed.api_key", Secret, User, "`OPENAI_API_KEY`", "The `openai` backend's key (`none`: send none)."),
        key("embed.concurrency", Count, User, "4", "Requests in flight with the `openai` backend (1–64)."),
        key("embed.batch_size", Count, User, "32", "Texts per request with the `openai` backend (1–2048)."),
        key("embed.timeout_secs", Number, User, "60", "Seconds per request with the `openai` backend (fractions allowed)."),
        key("embed.retries", Count, User, "5", "Retries of a failed request with the `openai` backend (0–20)."),
        key("embed.backoff_ms", Count, User, "500", "First retry delay with the `openai` backend; doubles per retry, with jitter."),
        key("embed.output", Text, User, "the model's first output", "The ONNX output holding the embeddings."),
        key("embed.max_length", Count, Project, "128", "Tokens per embedded text (2–8192)."),
        key("embed.min_batch", Count, User, "the stage's default", "Smallest padded batch."),
        key("embed.max_batch", Count, User, "the stage's default", "Largest padded batch."),
        key("embed.token_budget", Count, User, "the stage's default", "Tokens per padded batch."),
        key("embed.flush_ms", Count, User, "the stage's default", "Milliseconds a partial batch waits for more texts."),
        key("embed.threads", Count, User, "all cores", "Intra-op threads of the ONNX session."),
        key("embed.session_cache", Text, User, "`cache/sessions`", "Where the model's optimised form is kept between loads (a directory, or `off`: on Lambda, whose disk goes with the container)."),
        key("embed.gpu", Flag, User, "off", "Run the model on CUDA (builds with the `cuda` feature)."),
        key("embed.each_text", Flag, User, "on for the CPU", "Embed each text alone (`off`: padded batches)."),
        key("embed.skip_roles", List, Project, "`test,fixture,bench,generated,vendored`", "File roles whose chunks are not embedded (`none` embeds everything)."),
    ]},
    Group { title: "Summaries", keys: &[
        key("llm.backend", OneOf(&["facts", "openai"]), User, "`facts` (no model)", "Who writes summaries: the facts writer or an OpenAI-compatible chat model."),
        key("llm.base_url", Url, User, "`OPENAI_BASE_URL`, else OpenAI", "The chat model's endpoint base."),
        key("llm.model", Text, User, "the default model", "The chat model's name."),
        key("llm.api_key", Secret, User, "`OPENAI_API_KEY`", "The chat model's key."),
        key("llm.organization", Text, User, "`OPENAI_ORG_ID`", "The OpenAI organization header."),
        key("llm.project", Text, User, "`OPENAI_PROJECT_ID`", "The OpenAI project header."),
        key("llm.max_in_flight", Count, User, "the stage's default", "Chat requests in flight (1–256)."),
        key("llm.price", Text, User, "the known price of the model", "`INPUT,OUTPUT` dollars per million tokens (`0,0` for a free model)."),
        key("llm.max_cost", Number, User, "no limit", "Dollars a build may spend on the model."),
        key("llm.budget_usd", Number, User, "no limit", "Dollars a build's summaries may spend before the rest are facts."),
        key("llm.budget_per_file_usd", Text, User, "the stage's default", "Dollars per file (`none` for no limit)."),
        key("llm.top", Count, User, "every symbol", "Only the most central symbols get a model summary."),
    ]},
    Group { title: "GitHub", keys: &[
        key("github.api", Url, User, "`https://api.github.com`", "The GitHub REST API base (GitHub Enterprise)."),
        key("github.token", Secret, User, "`GITHUB_TOKEN`", "A token for private repositories."),
        key("github.oauth_url", Url, User, "`https://github.com`", "The GitHub sign-in base."),
        key("github.client_id", Text, User, "no GitHub sign-in", "The OAuth app's client id (turns accounts on)."),
        key("github.client_secret", Secret, User, "none (required with a client id)", "The OAuth app's client secret."),
        key("github.oauth_scopes", Text, User, "`read:user`", "Scopes asked for at sign-in."),
        key("github.app_id", Text, User, "no GitHub App", "The GitHub App's id: the trigger and ingest workers mint installation tokens for the App's jobs."),
        key("github.app_private_key", Secret, User, "`github.app_private_key_file`", "The App's private key, PEM (`\\n` escapes allowed)."),
        key("github.app_private_key_file", Path, User, "none (required with an app id)", "A file holding the App's private key."),
        key("github.webhook_secret", Secret, User, "webhooks refused", "The secret GitHub signs webhooks with."),
    ]},
    Group { title: "Accounts and billing", keys: &[
        key("accounts", Flag, User, "on with a PostgreSQL `DATABASE_URL` or a GitHub client id", "Accounts (SQLite in the store without `DATABASE_URL`)."),
        key("anonymous_builds", Flag, User, "the plans file's choice", "Whether visitors who are not signed in may build."),
        key("plans_file", Path, User, "the built-in plans", "A TOML file of plans and their limits."),
        key("token_keys", Secret, User, "a key for this process only", "Keys sealing users' GitHub tokens and share links: `id:base64` items, the first seals; the same on the server and the ingest workers."),
        key("session.days", Count, User, "30", "Days a session lasts unused."),
        key("session.max_days", Count, User, "90", "Days a session lasts at most."),
        key("stripe.api", Url, User, "`https://api.stripe.com`", "The Stripe API base."),
        key("stripe.secret_key", Secret, User, "no billing", "The Stripe secret key (turns billing on)."),
        key("stripe.webhook_secret", Secret, User, "none (required with a secret key)", "The secret Stripe signs webhooks with."),
    ]},
    Group { title: "The HTTP trigger (`doctown serve`)", keys: &[
        key("allow_local", Flag, User, "off", "Accept local paths as repositories."),
        key("allowed_hosts", List, User, "`github.com`", "Hosts a submitted repository URL may name; IP literals, `localhost` and private names are always refused."),
        key("api_keys_file", Path, User, "no API keys", "A file of API keys' SHA-256 hashes, one hex per line (`printf %s \"$KEY\" | sha256sum`)."),
        key("api_key_hashes", List, User, "no API keys", "API keys' SHA-256 hashes inline (serverless deployments)."),
        key("cors_origins", List, User, "none", "Browser origins allowed cross-origin requests (`*` for any); a write from another site is refused unless its origin is listed by name."),
        key("public_url", Url, User, "none", "The site's public URL (links, cookies, webhooks)."),
        key("server_names", List, User, "`public_url`'s host", "Host names requests may name: `name`, `name:port`, `.domain`, `*`; others answer 421 (DNS rebinding). The Lambda trigger refuses to start without any."),
        key("secure_cookies", Flag, User, "on (off on loopback)", "Mark cookies `Secure`."),
        key("trust_proxy", Flag, User, "off", "Take the client address from `X-Forwarded-For`."),
        key("public_reads", Flag, User, "off", "Without accounts beyond loopback, let anyone read jobs, events, docpacks and search without a key."),
        key("max_estimates", Count, User, "2", "Estimates priced at once."),
        key("schedule_file", Path, User, "no schedule", "A TOML file of scheduled builds."),
        key("static_dir", Path, User, "the built website, when present", "The website's files."),
    ]},
    Group { title: "The deployed path: S3, SQS, RunPod", keys: &[
        key("s3.bucket", Text, User, "none (required by the deployed path)", "The S3 bucket of the store."),
        key("s3.prefix", Text, User, "none", "A key prefix inside the bucket."),
        key("s3.endpoint", Url, User, "`AWS_ENDPOINT_URL_S3`, else AWS", "An S3-compatible endpoint."),
        key("s3.region", Text, User, "the AWS default chain", "The bucket's region."),
        key("s3.path_style", Flag, User, "off", "Path-style addressing (most S3-compatible servers)."),
        key("s3.access_key_id", Secret, User, "the AWS default chain", "An access key (with `s3.secret_access_key`)."),
        key("s3.secret_access_key", Secret, User, "the AWS default chain", "The access key's secret."),
        key("s3.session_token", Secret, User, "none", "A session token for temporary credentials."),
        key("s3.part_size", Count, User, "8 MiB", "Multipart upload part size in bytes (at least 5 MiB)."),
        key("sqs.endpoint", Url, User, "`AWS_ENDPOINT_URL_SQS`, else AWS", "An SQS-compatible endpoint."),
        key("sqs.region", Text, User, "the AWS default chain", "The queues' region."),
        key("queue_prefix", Text, User, "`doctown`", "The queues' name prefix."),
        key("visibility_secs", Count, User, "90", "Seconds a received message stays hidden."),
        key("max_receives", Count, User, "5", "Receives before a message goes to the dead-letter queue."),
        key("runpod.endpoint_ingest", Text, User, "none", "The RunPod endpoint id (or base URL) of ingest."),
        key("runpod.endpoint_embed", Text, User, "none", "The RunPod endpoint id (or base URL) of embed."),
        key("runpod.endpoint_assemble", Text, User, "none", "The RunPod endpoint id (or base URL) of assemble."),
        key("runpod.endpoint_generate", Text, User, "none", "The RunPod endpoint id (or base URL) of generate."),
        key("runpod.endpoint_pack", Text, User, "none", "The RunPod endpoint id (or base URL) of pack."),
    ]},
];

/// Settings that belong together.
pub struct Group {
    pub title: &'static str,
    pub keys: &'static [Key],
}

/// Every setting, in the order of [`GROUPS`].
pub fn keys() -> impl Iterator<Item = &'static Key> {
    GROUPS.iter().flat_map(|g| g.keys.iter())
}

/// The setting whose variable is `env_name`.
pub fn by_env_name(env_name: &str) -> Option<&'static Key> {
    let rest = env_name.strip_prefix("DOCTOWN_")?;
    keys().find(|k| k.name.len() == rest.len() && k.env_name() == env_name)
}

/// The setting named `name` (dotted).
pub fn by_name(name: &str) -> Option<&'static Key> {
    keys().find(|k| k.name == name)
}
