//! Configuration of the generate stage.
//!
//! A [`GenerateConfig`] comes from defaults, from the environment
//! ([`GenerateConfig::from_env`]) or from a job's options
//! (`input.options["generate"]`, laid over the host's configuration by
//! [`GenerateConfig::overlay_job_options`]). The API key comes from the
//! environment (or the host) only: it is never serialised, so it never
//! reaches a state document or an artifact. Where requests go (base URL,
//! organisation, Azure settings) is the host's choice too, so a job cannot
//! send the host's key elsewhere.

use crate::artifacts::generate::ModelPrice;
use crate::error::GenerateError;
use crate::price::PriceTable;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// Fields a job's options may not set.
const HOST_ONLY: [&str; 6] = [
    "base_url",
    "organization",
    "project",
    "azure_deployment",
    "azure_api_version",
    "api_key",
];

/// The default model budget per source file: $0.005 per 50 files, the
/// target for a model run with no tier chosen.
pub const DEFAULT_BUDGET_PER_FILE_USD: f64 = 0.0001;

/// Who writes the summaries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// Deterministic summaries from the facts: no key, no network.
    #[default]
    Facts,
    /// An OpenAI-compatible chat-completions API (OpenAI, Azure OpenAI, vLLM,
    /// Ollama, llama.cpp), falling back to facts per symbol on failure.
    OpenAi,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Facts => "facts",
            Backend::OpenAi => "openai",
        }
    }
}

/// How the answer's JSON shape is requested.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseFormatMode {
    /// `response_format: json_schema` (strict structured output).
    #[default]
    JsonSchema,
    /// `response_format: json_object` (JSON mode).
    JsonObject,
    /// No `response_format`; the prompt asks for JSON (older servers).
    None,
}

/// Everything the generate stage can be told.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenerateConfig {
    pub backend: Backend,
    /// The API base including `/v1` (`http://localhost:11434/v1`); `None`: OpenAI.
    pub base_url: Option<String>,
    pub model: String,
    /// Never serialised; from `DOCTOWN_LLM_API_KEY` or `OPENAI_API_KEY`.
    #[serde(skip)]
    pub api_key: Option<String>,
    pub organization: Option<String>,
    pub project: Option<String>,
    /// Azure OpenAI deployment-style API: the deployment name…
    pub azure_deployment: Option<String>,
    /// …and `api-version` (base_url is then the resource endpoint).
    pub azure_api_version: Option<String>,
    /// Requests in flight at once.
    pub max_in_flight: usize,
    /// Tokens per request: prompt plus the completion tokens reserved.
    pub batch_tokens: usize,
    /// Items per request at most.
    pub max_batch_items: usize,
    /// One item's facts are cut to this many tokens, least important first.
    pub prompt_truncate_tokens: usize,
    /// Attempts per request (first try included).
    pub attempts: u32,
    pub request_timeout_secs: u64,
    pub connect_timeout_secs: u64,
    /// Exponential backoff: base delay, doubled per attempt, with jitter…
    pub backoff_base_ms: u64,
    /// …up to this.
    pub backoff_max_ms: u64,
    /// A 429's Retry-After is honoured up to this many seconds.
    pub max_retry_after_secs: u64,
    pub temperature: Option<f32>,
    pub response_format: ResponseFormatMode,
    /// Price overrides (dollars per million tokens), over the defaults.
    pub prices: BTreeMap<String, ModelPrice>,
    /// Refuse to start (or stop sending requests) beyond this many dollars.
    pub max_cost: Option<f64>,
    /// Only the N most important symbols go to the model; facts for the rest.
    pub llm_top: Option<usize>,
    /// Symbols go to the model, most important first, while the estimate fits.
    pub budget_usd: Option<f64>,
    /// Without `llm_top` or `budget_usd`, the budget is this many dollars per
    /// source file ($0.005 for a 50-file repository at the default);
    /// `None` sends every non-trivial symbol to the model.
    pub budget_per_file_usd: Option<f64>,
    /// Module overviews and the architecture summary from the model too.
    pub overviews: bool,
    /// Reuse cached answers (`cache/generate/<model>/…`).
    pub cache: bool,
    /// Enum variants, impl blocks, module declarations, tests and
    /// undocumented constants keep their facts summary (no model cost).
    pub trivial_to_facts: bool,
}

impl Default for GenerateConfig {
    fn default() -> Self {
        GenerateConfig {
            backend: Backend::Facts,
            base_url: None,
            model: "gpt-4o-mini".to_string(),
            api_key: None,
            organization: None,
            project: None,
            azure_deployment: None,
            azure_api_version: None,
            max_in_flight: 10,
            batch_tokens: 16_000,
            max_batch_items: 40,
            prompt_truncate_tokens: 2_000,
            attempts: 3,
            request_timeout_secs: 120,
            connect_timeout_secs: 10,
            backoff_base_ms: 500,
            backoff_max_ms: 20_000,
            max_retry_after_secs: 60,
            temperature: Some(0.0),
            response_format: ResponseFormatMode::JsonSchema,
            prices: BTreeMap::new(),
            max_cost: None,
            llm_top: None,
            budget_usd: None,
            budget_per_file_usd: Some(DEFAULT_BUDGET_PER_FILE_USD),
            overviews: true,
            cache: true,
            trivial_to_facts: true,
        }
    }
}

impl fmt::Debug for GenerateConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = serde_json::to_value(self).unwrap_or_default();
        if let Some(map) = shown.as_object_mut() {
            let key = if self.api_key.is_some() {
                "<redacted>"
            } else {
                "<none>"
            };
            map.insert("api_key".into(), key.into());
        }
        write!(f, "GenerateConfig({shown})")
    }
}

/// `INPUT,OUTPUT` dollars per million tokens, both finite and non-negative.
fn parse_price(text: &str) -> Option<ModelPrice> {
    let (input, output) = text.split_once(',')?;
    let number = |s: &str| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
    };
    Some(ModelPrice {
        input_per_million: number(input)?,
        output_per_million: number(output)?,
    })
}

impl GenerateConfig {
    /// Defaults, then the `DOCTOWN_LLM_*` / `OPENAI_*` environment variables.
    pub fn from_env() -> Result<Self, GenerateError> {
        Self::from_vars(doctown_config::var)
    }

    /// [`GenerateConfig::from_env`] over any variable source.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, GenerateError> {
        let mut config = GenerateConfig::default();
        let either = |a: &str, b: &str| var(a).or_else(|| var(b));
        if let Some(backend) = var("DOCTOWN_LLM_BACKEND") {
            config.backend =
                serde_json::from_value(backend.trim().to_lowercase().into()).map_err(|_| {
                    GenerateError::Config(format!(
                        "DOCTOWN_LLM_BACKEND={backend:?}: use facts or openai"
                    ))
                })?;
        }
        config.base_url = either("DOCTOWN_LLM_BASE_URL", "OPENAI_BASE_URL");
        if let Some(model) = var("DOCTOWN_LLM_MODEL") {
            config.model = model;
        }
        config.api_key = either("DOCTOWN_LLM_API_KEY", "OPENAI_API_KEY");
        config.organization = either("DOCTOWN_LLM_ORGANIZATION", "OPENAI_ORG_ID");
        config.project = either("DOCTOWN_LLM_PROJECT", "OPENAI_PROJECT_ID");
        let number = |name: &str| -> Result<Option<f64>, GenerateError> {
            var(name)
                .map(|v| {
                    v.trim()
                        .parse::<f64>()
                        .map_err(|_| GenerateError::Config(format!("{name}={v:?} is not a number")))
                })
                .transpose()
        };
        if let Some(n) = number("DOCTOWN_LLM_MAX_IN_FLIGHT")? {
            config.max_in_flight = n as usize;
        }
        if let Some(v) = var("DOCTOWN_LLM_PRICE") {
            let price = parse_price(&v).ok_or_else(|| {
                GenerateError::Config(format!(
                    "DOCTOWN_LLM_PRICE={v:?}: use INPUT,OUTPUT in dollars per million tokens, e.g. 0.15,0.60"
                ))
            })?;
            config.prices.insert(config.model.clone(), price);
        }
        config.max_cost = number("DOCTOWN_LLM_MAX_COST")?;
        config.budget_usd = number("DOCTOWN_LLM_BUDGET_USD")?;
        config.llm_top = number("DOCTOWN_LLM_TOP")?.map(|n| n as usize);
        if let Some(v) = var("DOCTOWN_LLM_BUDGET_PER_FILE_USD") {
            config.budget_per_file_usd = match v.trim() {
                "none" | "off" | "unlimited" => None,
                _ => number("DOCTOWN_LLM_BUDGET_PER_FILE_USD")?,
            };
        }
        config.validate()?;
        Ok(config)
    }

    /// This configuration with a job's options laid over it. Options may not
    /// set where requests go or the key.
    pub fn overlay_job_options(&self, options: &serde_json::Value) -> Result<Self, GenerateError> {
        let Some(object) = options.as_object() else {
            return Err(GenerateError::Config(
                "generate options must be a JSON object".into(),
            ));
        };
        if let Some(field) = HOST_ONLY.iter().find(|f| object.contains_key(**f)) {
            return Err(GenerateError::Config(format!(
                "job options cannot set {field:?}: it is the host's setting (environment or CLI)"
            )));
        }
        let mut merged =
            serde_json::to_value(self).map_err(|e| GenerateError::Config(e.to_string()))?;
        if let Some(map) = merged.as_object_mut() {
            for (key, value) in object {
                map.insert(key.clone(), value.clone());
            }
        }
        let mut config: GenerateConfig =
            serde_json::from_value(merged).map_err(|e| GenerateError::Config(e.to_string()))?;
        config.api_key = self.api_key.clone();
        config.validate()?;
        Ok(config)
    }

    /// Checks ranges; does not require a key (see [`GenerateConfig::require_key`]).
    pub fn validate(&self) -> Result<(), GenerateError> {
        let bad = |m: String| Err(GenerateError::Config(m));
        if self.model.trim().is_empty() {
            return bad("model is empty".into());
        }
        if !(1..=256).contains(&self.max_in_flight) {
            return bad(format!(
                "max_in_flight {} is outside 1-256",
                self.max_in_flight
            ));
        }
        if !(1..=20).contains(&self.attempts) {
            return bad(format!("attempts {} is outside 1-20", self.attempts));
        }
        if self.prompt_truncate_tokens < 100 {
            return bad(format!(
                "prompt_truncate_tokens {} is below 100",
                self.prompt_truncate_tokens
            ));
        }
        if self.batch_tokens < self.prompt_truncate_tokens + 1_000 {
            return bad(format!(
                "batch_tokens {} must exceed prompt_truncate_tokens {} by at least 1000",
                self.batch_tokens, self.prompt_truncate_tokens
            ));
        }
        if self.max_batch_items == 0 {
            return bad("max_batch_items is 0".into());
        }
        for (name, value) in [
            ("max_cost", self.max_cost),
            ("budget_usd", self.budget_usd),
            ("budget_per_file_usd", self.budget_per_file_usd),
        ] {
            if value.is_some_and(|v| !v.is_finite() || v < 0.0) {
                return bad(format!("{name} must be a non-negative number"));
            }
        }
        if let Some(url) = &self.base_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return bad(format!(
                    "base_url {url:?} must start with http:// or https://"
                ));
            }
        }
        if self.azure_deployment.is_some() != self.azure_api_version.is_some() {
            return bad("azure_deployment and azure_api_version go together".into());
        }
        if self.azure_deployment.is_some() && self.base_url.is_none() {
            return bad("azure_deployment needs base_url (the resource endpoint)".into());
        }
        Ok(())
    }

    /// The dollars symbols may cost for a repository of `source_files`
    /// files: `budget_usd` if set; none when `llm_top` is set alone (the
    /// count is the limit); else `budget_per_file_usd` × files.
    pub fn effective_budget(&self, source_files: usize) -> Option<f64> {
        if self.budget_usd.is_some() {
            return self.budget_usd;
        }
        if self.llm_top.is_some() {
            return None;
        }
        self.budget_per_file_usd
            .map(|per_file| per_file * source_files.max(1) as f64)
    }

    /// The tier's name for people: `budget $0.005`, `top 100`,
    /// `default budget $0.0057` (57 files) or `all symbols`.
    pub fn tier_name(&self, source_files: usize) -> String {
        match (self.llm_top, self.budget_usd, self.budget_per_file_usd) {
            (_, Some(b), _) => format!("budget ${b}"),
            (Some(top), None, _) => format!("top {top}"),
            (None, None, Some(_)) => format!(
                "default budget ${:.4}",
                self.effective_budget(source_files).unwrap_or(0.0)
            ),
            (None, None, None) => "all symbols".into(),
        }
    }

    /// The key, for the openai backend: an error before any work if absent.
    /// A run that keeps a spending limit (`max_cost`, a budget tier) needs
    /// the model's price: without one every request would count as $0, so
    /// the budget would send everything and `max_cost` would never fire.
    pub fn require_price(&self) -> Result<(), GenerateError> {
        if self.price().is_some() {
            return Ok(());
        }
        let limit = if self.max_cost.is_some() {
            "max_cost"
        } else if self.effective_budget(1).is_some() {
            "the budget"
        } else {
            return Ok(());
        };
        Err(GenerateError::UnknownPrice {
            model: self.model.clone(),
            limit: limit.to_string(),
        })
    }

    pub fn require_key(&self) -> Result<&str, GenerateError> {
        self.api_key
            .as_deref()
            .filter(|k| !k.trim().is_empty())
            .ok_or(GenerateError::MissingApiKey)
    }

    /// Where requests go, for messages.
    pub fn base_url_or_default(&self) -> &str {
        self.base_url
            .as_deref()
            .unwrap_or("https://api.openai.com/v1")
    }

    pub fn prices(&self) -> PriceTable {
        PriceTable::with_overrides(&self.prices)
    }

    /// The configured model's price, if the table knows it.
    pub fn price(&self) -> Option<ModelPrice> {
        self.prices().lookup(&self.model)
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs.max(1))
    }

    /// The waits between a request's attempts.
    pub fn backoff(&self) -> doctown_http::Backoff {
        doctown_http::Backoff::new(
            Duration::from_millis(self.backoff_base_ms),
            Duration::from_millis(self.backoff_max_ms.max(self.backoff_base_ms)),
            Duration::from_secs(self.max_retry_after_secs),
        )
    }

    pub fn connect_timeout(&self) -> Duration {
        Duration::from_secs(self.connect_timeout_secs.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use doctown_core::ErrorKind;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn env_prefers_doctown_variables() {
        let config = GenerateConfig::from_vars(vars(&[
            ("DOCTOWN_LLM_BACKEND", "OpenAI"),
            ("OPENAI_API_KEY", "sk-openai"),
            ("DOCTOWN_LLM_API_KEY", "sk-doctown"),
            ("OPENAI_BASE_URL", "http://localhost:8000/v1"),
            ("DOCTOWN_LLM_MAX_COST", "0.5"),
        ]))
        .unwrap();
        assert_eq!(config.backend, Backend::OpenAi);
        assert_eq!(config.require_key().unwrap(), "sk-doctown");
        assert_eq!(config.base_url.as_deref(), Some("http://localhost:8000/v1"));
        assert_eq!(config.max_cost, Some(0.5));
        assert!(GenerateConfig::from_vars(vars(&[("DOCTOWN_LLM_BACKEND", "gpt")])).is_err());
    }

    #[test]
    fn key_is_never_serialised_or_printed() {
        let config = GenerateConfig {
            api_key: Some("sk-secret".into()),
            ..Default::default()
        };
        let json = serde_json::to_string(&config).unwrap();
        assert!(!json.contains("sk-secret"));
        assert!(!format!("{config:?}").contains("sk-secret"));
        let back: GenerateConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back.api_key, None);
    }

    #[test]
    fn job_options_overlay_but_cannot_redirect() {
        let host = GenerateConfig {
            api_key: Some("k".into()),
            ..Default::default()
        };
        let merged = host
            .overlay_job_options(&serde_json::json!({"backend": "openai", "llm_top": 5}))
            .unwrap();
        assert_eq!(merged.backend, Backend::OpenAi);
        assert_eq!(merged.llm_top, Some(5));
        assert_eq!(merged.api_key.as_deref(), Some("k"));
        for field in ["base_url", "api_key"] {
            let err = host
                .overlay_job_options(&serde_json::json!({ field: "http://evil" }))
                .unwrap_err();
            assert!(err.to_string().contains(field), "{err}");
        }
        assert!(host
            .overlay_job_options(&serde_json::json!({"attempts": 0}))
            .is_err());
        assert!(host
            .overlay_job_options(&serde_json::json!({"colour": 1}))
            .is_err());
    }

    #[test]
    fn missing_key_is_a_clear_error() {
        let err = GenerateConfig::default().require_key().unwrap_err();
        assert!(err.to_string().contains("OPENAI_API_KEY"));
    }

    #[test]
    fn a_limited_run_needs_the_models_price() {
        let local = |vars: &[(&str, &str)]| {
            let vars: BTreeMap<String, String> = vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            GenerateConfig::from_vars(|name| vars.get(name).cloned()).unwrap()
        };
        // The default tier is a budget: an unknown model cannot keep it.
        let unknown = local(&[("DOCTOWN_LLM_MODEL", "llama3.1:8b")]);
        let err = unknown.require_price().unwrap_err();
        assert!(err.to_string().contains("\"llama3.1:8b\""), "{err}");
        assert!(err.to_string().contains("DOCTOWN_LLM_PRICE"), "{err}");
        assert_eq!(err.kind(), ErrorKind::Invalid);
        let capped = local(&[
            ("DOCTOWN_LLM_MODEL", "llama3.1:8b"),
            ("DOCTOWN_LLM_BUDGET_PER_FILE_USD", "none"),
            ("DOCTOWN_LLM_MAX_COST", "1"),
        ]);
        assert!(capped
            .require_price()
            .unwrap_err()
            .to_string()
            .contains("max_cost"));
        // Without any limit the price only feeds the report.
        let unlimited = local(&[
            ("DOCTOWN_LLM_MODEL", "llama3.1:8b"),
            ("DOCTOWN_LLM_BUDGET_PER_FILE_USD", "none"),
        ]);
        assert!(unlimited.require_price().is_ok());
        // A price from the environment (free local model) or the table.
        let priced = local(&[
            ("DOCTOWN_LLM_MODEL", "llama3.1:8b"),
            ("DOCTOWN_LLM_PRICE", "0,0"),
        ]);
        assert!(priced.require_price().is_ok());
        assert_eq!(priced.price().unwrap().output_per_million, 0.0);
        assert!(GenerateConfig::default().require_price().is_ok());
        for bad in ["1", "a,b", "-1,2", "1,inf"] {
            let vars = BTreeMap::from([("DOCTOWN_LLM_PRICE".to_string(), bad.to_string())]);
            assert!(
                GenerateConfig::from_vars(|n| vars.get(n).cloned()).is_err(),
                "{bad}"
            );
        }
    }
}
