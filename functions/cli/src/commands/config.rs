//! `doctown config`: the effective configuration, where each value came
//! from, and the reference table of every setting.

use crate::args::ConfigArgs;
use anyhow::Result;
use doctown_config::{keys, Kind, Origin, Setting, Settings};
use std::process::ExitCode;

pub fn config_cmd(args: ConfigArgs) -> Result<ExitCode> {
    if args.markdown {
        print!("{}", doctown_config::reference_table());
        return Ok(ExitCode::SUCCESS);
    }
    let settings = Settings::load()?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&as_json(&settings))?);
    } else {
        print!("{}", report(&settings, args.all));
    }
    Ok(ExitCode::SUCCESS)
}

/// A secret's value is never shown.
fn shown(setting: &Setting) -> String {
    match setting.key.kind {
        Kind::Secret => "(set, hidden)".to_string(),
        _ => setting.value.clone(),
    }
}

fn origin(setting: &Setting) -> String {
    match &setting.origin {
        Origin::Environment => setting.key.env_name(),
        Origin::File(path) => path.display().to_string(),
    }
}

/// The files read, a table of the settings (all of them with `all`) and
/// warnings: unknown `DOCTOWN_*` variables, secrets in files others read.
fn report(settings: &Settings, all: bool) -> String {
    let mut out = String::new();
    if settings.files.is_empty() {
        out.push_str("files: none (~/.config/doctown/config.toml, doctown.toml from here up)\n");
    }
    for f in &settings.files {
        out.push_str(&format!(
            "file: {} ({})\n",
            f.path.display(),
            f.place.name()
        ));
    }
    let mut rows: Vec<[String; 3]> = Vec::new();
    for key in keys() {
        match settings.get(&key.env_name()) {
            Some(s) => rows.push([key.name.to_string(), shown(s), origin(s)]),
            None if all => {
                rows.push([key.name.into(), "-".into(), format!("unset: {}", key.unset)])
            }
            None => {}
        }
    }
    let set = settings.set().count();
    if rows.is_empty() {
        out.push_str("no setting is set: every one has its default (`doctown config --all`)\n");
    } else {
        let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
        let (w0, w1) = (width(0), width(1).min(48));
        for [name, value, from] in &rows {
            out.push_str(&format!("{name:w0$}  {value:w1$}  {from}\n"));
        }
        if !all {
            out.push_str(&format!(
                "{set} of {} settings set (`--all` lists every one, `--markdown` documents them)\n",
                keys().count()
            ));
        }
    }
    let names: Vec<String> = std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .collect();
    for (name, near) in Settings::unknown_variables(names.iter().map(String::as_str)) {
        let hint = near
            .map(|n| format!(" (did you mean {n}?)"))
            .unwrap_or_default();
        out.push_str(&format!("warning: {name} is set but is no setting{hint}\n"));
    }
    for path in settings.exposed_secret_files() {
        out.push_str(&format!(
            "warning: {} holds secrets and others may read it (chmod 600 it)\n",
            path.display()
        ));
    }
    out
}

fn as_json(settings: &Settings) -> serde_json::Value {
    let items: Vec<serde_json::Value> = settings
        .set()
        .map(|s| {
            serde_json::json!({
                "setting": s.key.name,
                "variable": s.key.env_name(),
                "value": (s.key.kind != Kind::Secret).then(|| s.value.clone()),
                "from": match &s.origin {
                    Origin::Environment => serde_json::json!("environment"),
                    Origin::File(path) => serde_json::json!(path),
                },
            })
        })
        .collect();
    let files: Vec<serde_json::Value> = settings
        .files
        .iter()
        .map(|f| serde_json::json!({ "path": f.path, "place": f.place.name() }))
        .collect();
    serde_json::json!({ "files": files, "settings": items })
}
