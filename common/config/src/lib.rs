//! Doctown's one configuration. Every setting is declared once in
//! [`GROUPS`]; a value comes from, in order of precedence:
//!
//! 1. its environment variable (`DOCTOWN_EMBED_BATCH_SIZE`);
//! 2. the nearest `doctown.toml` from the working directory up (the
//!    project's file: only [`Scope::Project`] settings);
//! 3. the user's file, `$XDG_CONFIG_HOME/doctown/config.toml`;
//!
//! or, with `DOCTOWN_CONFIG=FILE`, from the environment and that file only.
//! Values are checked against their [`Kind`] when the configuration is
//! loaded; the crates' own readers take them through [`var`], a lookup by
//! variable name. `doctown config` shows where each value came from.

mod file;
mod keys;
mod markdown;

pub use file::{ConfigFile, Place};
pub use keys::{by_env_name, by_name, keys, Group, Key, Kind, Scope, GROUPS};
pub use markdown::reference_table;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Why the configuration cannot be used: one line naming the setting and
/// where its value came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Environment,
    File(PathBuf),
}

/// One setting's effective value.
#[derive(Debug, Clone)]
pub struct Setting {
    pub key: &'static Key,
    pub value: String,
    pub origin: Origin,
}

/// The effective configuration: the files read and every value set.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub files: Vec<ConfigFile>,
    /// By variable name.
    values: BTreeMap<String, Setting>,
}

impl Settings {
    /// The environment of this process and the files found from the
    /// working directory.
    pub fn load() -> Result<Settings, ConfigError> {
        let files = file::discover(&env_value)?;
        Settings::from_parts(&env_value, files)
    }

    /// The configuration of `env` (a variable lookup) and `files`, read in
    /// order, later ones winning; the environment wins over every file.
    pub fn from_parts(
        env: &dyn Fn(&str) -> Option<String>,
        files: Vec<ConfigFile>,
    ) -> Result<Settings, ConfigError> {
        let mut values = BTreeMap::new();
        for f in &files {
            for (key, value) in file::read(f)? {
                let origin = Origin::File(f.path.clone());
                values.insert(key.env_name(), Setting { key, value, origin });
            }
        }
        for key in keys() {
            let name = key.env_name();
            if let Some(value) = env(&name) {
                check(key, &value)
                    .map_err(|why| ConfigError(format!("{name}={value:?}: {why}")))?;
                let origin = Origin::Environment;
                values.insert(name, Setting { key, value, origin });
            }
        }
        Ok(Settings { files, values })
    }

    /// The value of the variable `env_name`, from wherever it came.
    pub fn get(&self, env_name: &str) -> Option<&Setting> {
        self.values.get(env_name)
    }

    /// `DOCTOWN_*` names among `names` that are no setting (a typo, or a
    /// setting that no longer exists), each with the closest setting's
    /// variable when one is close.
    pub fn unknown_variables<'a>(
        names: impl IntoIterator<Item = &'a str>,
    ) -> Vec<(String, Option<String>)> {
        names
            .into_iter()
            .filter(|n| n.starts_with("DOCTOWN_") && by_env_name(n).is_none())
            .map(|n| {
                let near = file::nearest_by(n, Key::env_name).map(Key::env_name);
                (n.to_string(), near)
            })
            .collect()
    }

    /// The files read that hold a secret and that others than their owner
    /// may read.
    pub fn exposed_secret_files(&self) -> Vec<PathBuf> {
        let exposed: std::collections::BTreeSet<&PathBuf> = self
            .set()
            .filter(|s| s.key.kind == Kind::Secret)
            .filter_map(|s| match &s.origin {
                Origin::File(path) => Some(path),
                Origin::Environment => None,
            })
            .collect();
        exposed
            .into_iter()
            .filter(|p| readable_by_others(p))
            .cloned()
            .collect()
    }

    /// Every value set, in the order of [`GROUPS`].
    pub fn set(&self) -> impl Iterator<Item = &Setting> {
        keys().filter_map(|k| self.values.get(&k.env_name()))
    }
}

#[cfg(unix)]
fn readable_by_others(path: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0)
}

#[cfg(not(unix))]
fn readable_by_others(_: &std::path::Path) -> bool {
    false
}

/// A variable's value: trimmed, and unset when empty.
fn env_value(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Checks `value` against the setting's kind; the reason when it does not fit.
pub fn check(key: &Key, value: &str) -> Result<(), String> {
    let ok = match key.kind {
        Kind::Text | Kind::Secret | Kind::Path | Kind::List => true,
        Kind::Url => value.starts_with("http://") || value.starts_with("https://"),
        Kind::Flag => flag(value).is_some(),
        Kind::Count => value.parse::<u64>().is_ok(),
        Kind::Number => value
            .parse::<f64>()
            .is_ok_and(|n| n.is_finite() && n >= 0.0),
        Kind::OneOf(words) => words.iter().any(|w| w.eq_ignore_ascii_case(value)),
    };
    if ok {
        return Ok(());
    }
    Err(match key.kind {
        Kind::Url => "expected an http:// or https:// URL".to_string(),
        Kind::Flag => "expected true or false (also 1/0, yes/no, on/off)".to_string(),
        Kind::Count => "expected a whole number".to_string(),
        Kind::Number => "expected a number, 0 or more".to_string(),
        Kind::OneOf(words) => format!("expected one of {}", words.join(", ")),
        _ => unreachable!("every other kind accepts any text"),
    })
}

/// A flag's value: `1`, `true`, `yes`, `on` or `0`, `false`, `no`, `off`
/// (any case); `None` for anything else.
pub fn flag(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// The files' values, read once per process.
fn file_values() -> &'static Result<Settings, ConfigError> {
    static FILES: OnceLock<Result<Settings, ConfigError>> = OnceLock::new();
    FILES.get_or_init(|| {
        let files = file::discover(&env_value)?;
        Settings::from_parts(&|_| None, files)
    })
}

/// Loads and checks the configuration; a binary calls it first, so that a
/// broken file or value stops it with one line instead of being ignored.
pub fn init() -> Result<(), ConfigError> {
    file_values().clone()?;
    // The files are read and checked once (above); here the environment.
    Settings::from_parts(&env_value, Vec::new()).map(|_| ())
}

/// The value of a setting by its variable name: the environment's (read
/// now, so a process may change it), else a file's. Names outside
/// `DOCTOWN_*` (`OPENAI_API_KEY`, `GITHUB_TOKEN`) are read from the
/// environment as they are. The crates' `from_lookup` readers take this.
pub fn var(env_name: &str) -> Option<String> {
    if !env_name.starts_with("DOCTOWN_") {
        return env_value(env_name);
    }
    debug_assert!(
        by_env_name(env_name).is_some(),
        "{env_name} is not declared in doctown-config's keys.rs"
    );
    env_value(env_name).or_else(|| {
        let settings = file_values().as_ref().ok()?;
        settings.get(env_name).map(|s| s.value.clone())
    })
}

#[cfg(test)]
mod tests;
