//! Finding and reading configuration files.

use crate::{by_name, check, keys, ConfigError, Key, Kind, Scope};
use std::path::{Path, PathBuf};

/// Which file it is, and so which settings it may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Named by `DOCTOWN_CONFIG`: any setting but that one.
    Named,
    /// The user's `config.toml`: any setting but `config`.
    User,
    /// A `doctown.toml` in or above the working directory: it may come
    /// with the repository being built, so project settings only.
    Project,
}

impl Place {
    pub fn name(self) -> &'static str {
        match self {
            Place::Named => "named by DOCTOWN_CONFIG",
            Place::User => "the user's",
            Place::Project => "the project's",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub place: Place,
}

/// The files to read, lowest precedence first: `DOCTOWN_CONFIG` alone when
/// set, else the user's file and the project's, those that exist.
pub fn discover(env: &dyn Fn(&str) -> Option<String>) -> Result<Vec<ConfigFile>, ConfigError> {
    if let Some(path) = env("DOCTOWN_CONFIG") {
        let path = PathBuf::from(path);
        if !path.is_file() {
            return Err(ConfigError(format!(
                "DOCTOWN_CONFIG={}: no such file",
                path.display()
            )));
        }
        return Ok(vec![ConfigFile {
            path,
            place: Place::Named,
        }]);
    }
    let mut files = Vec::new();
    let user = dirs::config_dir().map(|d| d.join("doctown").join("config.toml"));
    if let Some(path) = user.filter(|p| p.is_file()) {
        files.push(ConfigFile {
            path,
            place: Place::User,
        });
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    let project = cwd
        .ancestors()
        .map(|d| d.join("doctown.toml"))
        .find(|p| p.is_file());
    if let Some(path) = project.filter(|p| files.iter().all(|f| &f.path != p)) {
        files.push(ConfigFile {
            path,
            place: Place::Project,
        });
    }
    Ok(files)
}

/// The settings of one file, checked: known names, allowed in this place,
/// values of the right kind (paths made absolute from the file's directory).
pub fn read(file: &ConfigFile) -> Result<Vec<(&'static Key, String)>, ConfigError> {
    let shown = file.path.display().to_string();
    let text =
        std::fs::read_to_string(&file.path).map_err(|e| ConfigError(format!("{shown}: {e}")))?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let line = e
            .span()
            .map_or(0, |s| text[..s.start].lines().count().max(1));
        let message = e.message().replace('\n', " ");
        ConfigError(format!("{shown}: line {line}: {message}"))
    })?;
    let mut settings = Vec::new();
    for (name, value) in flatten(&table).map_err(|e| ConfigError(format!("{shown}: {e}")))? {
        let key = allowed(&name, file.place).map_err(|e| ConfigError(format!("{shown}: {e}")))?;
        let mut text =
            scalar_text(&value).map_err(|why| ConfigError(format!("{shown}: {name}: {why}")))?;
        check(key, &text)
            .map_err(|why| ConfigError(format!("{shown}: {name} = {value}: {why}")))?;
        if key.kind == Kind::Path {
            let dir = file.path.parent().unwrap_or(Path::new("."));
            text = dir.join(&text).display().to_string();
        }
        settings.push((key, text));
    }
    Ok(settings)
}

/// `section.name` and value pairs; tables go one level deep.
fn flatten(table: &toml::Table) -> Result<Vec<(String, toml::Value)>, String> {
    let mut out = Vec::new();
    for (name, value) in table {
        match value {
            toml::Value::Table(section) => {
                for (inner, value) in section {
                    if value.is_table() {
                        return Err(format!("[{name}.{inner}]: settings go one table deep"));
                    }
                    out.push((format!("{name}.{inner}"), value.clone()));
                }
            }
            _ => out.push((name.clone(), value.clone())),
        }
    }
    Ok(out)
}

/// The setting `name` if this place may hold it.
fn allowed(name: &str, place: Place) -> Result<&'static Key, String> {
    let key = by_name(name).ok_or_else(|| match nearest(name) {
        Some(near) => format!("unknown setting {name} (did you mean {near}?)"),
        None => format!("unknown setting {name}"),
    })?;
    match (key.scope, place) {
        (Scope::Environment, _) => Err(format!(
            "{name} is read from the environment only ({})",
            key.env_name()
        )),
        (Scope::User, Place::Project) => Err(format!(
            "{name} cannot be set by a project's doctown.toml (a repository you build could \
             choose it); set it in the user's config.toml or {}",
            key.env_name()
        )),
        _ => Ok(key),
    }
}

/// A value as the variable would hold it: arrays comma-joined.
fn scalar_text(value: &toml::Value) -> Result<String, String> {
    match value {
        toml::Value::String(s) => Ok(s.trim().to_string()),
        toml::Value::Integer(n) => Ok(n.to_string()),
        toml::Value::Float(n) => Ok(n.to_string()),
        toml::Value::Boolean(b) => Ok(b.to_string()),
        toml::Value::Array(items) => items
            .iter()
            .map(|v| match v {
                toml::Value::Array(_) | toml::Value::Table(_) => {
                    Err("a list holds plain values".to_string())
                }
                v => scalar_text(v),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|v| v.join(",")),
        toml::Value::Datetime(_) | toml::Value::Table(_) => {
            Err("expected text, a number, true/false or a list".into())
        }
    }
}

/// The declared name closest to `name`, when it is close (a typo).
fn nearest(name: &str) -> Option<&'static str> {
    nearest_by(name, |k| k.name.to_string()).map(|k| k.name)
}

/// The setting whose `label` is closest to `text`, within three edits.
pub(crate) fn nearest_by(text: &str, label: impl Fn(&Key) -> String) -> Option<&'static Key> {
    keys()
        .map(|k| (edit_distance(text, &label(k)), k))
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1)
                .min(row[j] + 1)
                .min(prev + usize::from(ca != *cb));
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}
