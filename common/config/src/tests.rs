use super::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

fn file(path: PathBuf, place: Place) -> ConfigFile {
    ConfigFile { path, place }
}

fn settings(env: &[(&str, &str)], files: Vec<ConfigFile>) -> Result<Settings, ConfigError> {
    let env: BTreeMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Settings::from_parts(&|name| env.get(name).cloned(), files)
}

#[test]
fn names_derive_one_variable_each() {
    let mut seen = BTreeSet::new();
    for key in keys() {
        assert!(
            key.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.'),
            "{}",
            key.name
        );
        assert!(key.name.matches('.').count() <= 1, "{}", key.name);
        assert!(
            seen.insert(key.env_name()),
            "two settings derive {}",
            key.env_name()
        );
        assert_eq!(by_env_name(&key.env_name()).map(|k| k.name), Some(key.name));
        assert!(!key.doc.is_empty() && !key.unset.is_empty(), "{}", key.name);
    }
    assert_eq!(
        by_name("embed.batch_size").unwrap().env_name(),
        "DOCTOWN_EMBED_BATCH_SIZE"
    );
    assert!(by_env_name("DOCTOWN_NOPE").is_none());
    assert!(by_env_name("EMBED_BATCH_SIZE").is_none());
}

#[test]
fn the_environment_wins_over_the_project_over_the_user() {
    let dir = tempfile::tempdir().unwrap();
    let user = write(
        dir.path(),
        "user/config.toml",
        "log = \"debug\"\nplans_file = \"plans.toml\"\n[embed]\nskip_roles = [\"test\", \"fixture\"]\nbatch_size = 8\n",
    );
    let project = write(
        dir.path(),
        "repo/doctown.toml",
        "log = \"info\"\nembeddings = false\n",
    );
    let s = settings(
        &[("DOCTOWN_EMBED_BATCH_SIZE", "64")],
        vec![
            file(user.clone(), Place::User),
            file(project.clone(), Place::Project),
        ],
    )
    .unwrap();
    let get = |n: &str| s.get(n).map(|s| (s.value.clone(), s.origin.clone()));
    assert_eq!(
        get("DOCTOWN_LOG"),
        Some(("info".into(), Origin::File(project.clone())))
    );
    assert_eq!(
        get("DOCTOWN_EMBEDDINGS"),
        Some(("false".into(), Origin::File(project)))
    );
    assert_eq!(
        get("DOCTOWN_EMBED_BATCH_SIZE"),
        Some(("64".into(), Origin::Environment))
    );
    assert_eq!(
        get("DOCTOWN_EMBED_SKIP_ROLES"),
        Some(("test,fixture".into(), Origin::File(user.clone())))
    );
    let plans = dir
        .path()
        .join("user")
        .join("plans.toml")
        .display()
        .to_string();
    assert_eq!(get("DOCTOWN_PLANS_FILE"), Some((plans, Origin::File(user))));
    assert_eq!(get("DOCTOWN_CACHE"), None);
    let order: Vec<&str> = s.set().map(|s| s.key.name).collect();
    assert_eq!(
        order,
        [
            "log",
            "embeddings",
            "embed.batch_size",
            "embed.skip_roles",
            "plans_file"
        ]
    );
}

#[test]
fn a_project_file_cannot_choose_where_requests_go() {
    let dir = tempfile::tempdir().unwrap();
    for text in [
        "[llm]\nbase_url = \"https://evil.example\"\n",
        "ort_lib = \"x.so\"\n",
        "store = \"/\"\n",
    ] {
        let path = write(dir.path(), "doctown.toml", text);
        let e = settings(&[], vec![file(path.clone(), Place::Project)]).unwrap_err();
        assert!(
            e.0.contains("cannot be set by a project's doctown.toml"),
            "{e}"
        );
        // The same line is fine in the user's own file.
        settings(&[], vec![file(path, Place::User)]).unwrap();
    }
    let path = write(dir.path(), "config.toml", "config = \"other.toml\"\n");
    let e = settings(&[], vec![file(path, Place::User)]).unwrap_err();
    assert!(e.0.contains("environment only (DOCTOWN_CONFIG)"), "{e}");
}

#[test]
fn bad_files_and_values_say_which_setting_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "[embed]\nbatchsize = 3\n",
            "unknown setting embed.batchsize (did you mean embed.batch_size?)",
        ),
        ("colour = 1\n", "unknown setting colour"),
        (
            "[embed]\nbatch_size = \"many\"\n",
            "embed.batch_size = \"many\": expected a whole number",
        ),
        (
            "[embed]\nbackend = \"torch\"\n",
            "expected one of onnx, openai",
        ),
        (
            "embeddings = \"maybe\"\n",
            "embeddings = \"maybe\": expected true or false",
        ),
        ("[llm]\nmax_cost = -1\n", "expected a number, 0 or more"),
        ("[embed.x]\ny = 1\n", "settings go one table deep"),
        ("log = [[1]]\n", "log: a list holds plain values"),
        ("\n\nlog = \n", "line 3:"),
    ];
    for (text, expected) in cases {
        let path = write(dir.path(), "config.toml", text);
        let e = settings(&[], vec![file(path.clone(), Place::User)]).unwrap_err();
        assert!(e.0.starts_with(&path.display().to_string()), "{e}");
        assert!(e.0.contains(expected), "{text:?}: {e}");
        assert!(!e.0.contains('\n'), "{e}");
    }
    let e = settings(&[("DOCTOWN_S3_PART_SIZE", "big")], vec![]).unwrap_err();
    assert_eq!(e.0, "DOCTOWN_S3_PART_SIZE=\"big\": expected a whole number");
    let e = settings(&[("DOCTOWN_GITHUB_API", "ftp://x")], vec![]).unwrap_err();
    assert!(e.0.contains("expected an http:// or https:// URL"), "{e}");
    let missing = dir.path().join("nope.toml").display().to_string();
    let e = file::discover(&|n| (n == "DOCTOWN_CONFIG").then(|| missing.clone())).unwrap_err();
    assert!(e.0.contains("no such file"), "{e}");
}

#[cfg(unix)]
#[test]
fn secrets_in_a_file_others_may_read_are_named_once() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "config.toml",
        "token_keys = \"k1:AAAA\"\n[llm]\napi_key = \"sk\"\nmodel = \"m\"\n",
    );
    let loaded = || settings(&[], vec![file(path.clone(), Place::User)]).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(loaded().exposed_secret_files(), vec![path.clone()]);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(loaded().exposed_secret_files().is_empty());
    let plain = write(dir.path(), "plain.toml", "log = \"info\"\n");
    std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(settings(&[], vec![file(plain, Place::User)])
        .unwrap()
        .exposed_secret_files()
        .is_empty());
}

#[test]
fn flags_read_one_way_everywhere() {
    for yes in ["1", "true", "YES", "on", " On "] {
        assert_eq!(flag(yes), Some(true), "{yes}");
    }
    for no in ["0", "false", "no", "OFF"] {
        assert_eq!(flag(no), Some(false), "{no}");
    }
    assert_eq!(flag("maybe"), None);
}

#[test]
fn names_outside_doctown_pass_through_to_the_environment() {
    let path = std::env::var("PATH").ok().filter(|p| !p.trim().is_empty());
    assert_eq!(var("PATH"), path.map(|p| p.trim().to_string()));
    assert_eq!(
        var("DOCTOWN_S3_SESSION_TOKEN"),
        None,
        "unset in the test environment"
    );
}

/// `docs/CONFIG.md` is the generated table (`UPDATE_GOLDEN=1` rewrites it).
#[test]
fn the_reference_table_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/CONFIG.md");
    let table = reference_table();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &table).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == table,
        "docs/CONFIG.md is stale: UPDATE_GOLDEN=1 cargo test -p doctown-config"
    );
}

/// Every `"DOCTOWN_…"` the code reads is declared, and every declared
/// setting is read somewhere (a name built as `"DOCTOWN_X_{}"` counts for
/// the settings it can make).
#[test]
fn the_declarations_match_what_the_code_reads() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut read = BTreeSet::new();
    for dir in ["common", "functions"] {
        scan(&root.join(dir), &mut read);
    }
    let undeclared: Vec<&String> = read
        .iter()
        .filter(|n| !n.ends_with("_{}") && by_env_name(n).is_none())
        .collect();
    assert!(
        undeclared.is_empty(),
        "read but not declared in keys.rs: {undeclared:?}"
    );
    let unread: Vec<String> = keys()
        .map(|k| k.env_name())
        .filter(|name| {
            !read.contains(name)
                && !read
                    .iter()
                    .any(|r| r.strip_suffix("{}").is_some_and(|p| name.starts_with(p)))
        })
        .collect();
    assert!(unread.is_empty(), "declared but read nowhere: {unread:?}");
}

/// The quoted `DOCTOWN_…` names in the source files under `dir`, outside
/// tests, benches and examples.
fn scan(dir: &Path, found: &mut BTreeSet<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if !matches!(
                name.as_ref(),
                "tests" | "benches" | "examples" | "target" | "node_modules"
            ) {
                scan(&path, found);
            }
            continue;
        }
        if !name.ends_with(".rs") || name == "tests.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for piece in code.split("\"DOCTOWN_").skip(1) {
            let end = piece.find('"').unwrap_or(0);
            let name = &piece[..end];
            if !name.is_empty()
                && name.bytes().all(|b| {
                    b.is_ascii_uppercase()
                        || b.is_ascii_digit()
                        || b == b'_'
                        || b == b'{'
                        || b == b'}'
                })
            {
                found.insert(format!("DOCTOWN_{name}"));
            }
        }
    }
}
