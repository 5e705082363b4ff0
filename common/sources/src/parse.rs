//! Turns what a user typed (`doctown build SOURCE [--ref REF]`) into a
//! [`SourceSpec`].
//!
//! An existing local path always wins: a directory (a git repository at a ref
//! when `--ref` is given) or an archive. Otherwise the input must be a GitHub
//! URL in one of the usual shapes: `https://github.com/o/r`, `http://`,
//! `www.github.com`, no scheme (`github.com/o/r`), a `.git` suffix, a trailing
//! slash, `…/tree/REF[/dir]`, `…/blob/REF/path`, `…/commit/SHA`,
//! `git@github.com:o/r.git` and `ssh://git@github.com/o/r.git`.
//!
//! Subpaths: `/tree/REF/dir` keeps only `dir` (it becomes the root);
//! `/blob/REF/file` fetches the whole repository at `REF`.

use crate::error::SourceError;
use crate::SourceSpec;
use std::path::Path;
use url::Url;

/// Parses what a user typed. `git_ref` is an explicit `--ref`; it wins over a
/// ref in a URL.
pub fn parse_source(input: &str, git_ref: Option<&str>) -> Result<SourceSpec, SourceError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(SourceError::Empty);
    }
    let explicit_ref = git_ref.map(str::trim).filter(|r| !r.is_empty());
    let path = Path::new(input);
    if path.exists() {
        return parse_local(path, explicit_ref);
    }
    if !looks_like_url(input) {
        return Err(SourceError::NotFound(input.to_string()));
    }
    let mut spec = parse_github_url(input)?;
    if let (Some(explicit), SourceSpec::GitHub { git_ref, .. }) = (explicit_ref, &mut spec) {
        *git_ref = Some(explicit.to_string());
    }
    Ok(spec)
}

/// A local source made absolute, so that every form of one path
/// (`.`, `repo`, `./repo`, `/home/me/repo`) names the same source: the
/// caches kept per source (the last ingest, the last docpack's blocks, the
/// last vectors) are found whatever directory the command runs from. A
/// directory is resolved whole (its name is read from the resolved path
/// anyway); a file (an archive) keeps its own name, in its directory
/// resolved. Anything else, and a path that cannot be resolved, is
/// returned as given.
pub fn absolute_local(input: &str) -> String {
    let trimmed = input.trim();
    let path = Path::new(trimmed);
    if trimmed.is_empty() || !path.exists() {
        return input.to_string();
    }
    let resolved = if path.is_dir() {
        path.canonicalize().ok()
    } else {
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        match (dir.canonicalize(), path.file_name()) {
            (Ok(dir), Some(name)) => Some(dir.join(name)),
            _ => None,
        }
    };
    resolved
        .and_then(|p| p.to_str().map(str::to_string))
        .unwrap_or_else(|| input.to_string())
}

fn parse_local(path: &Path, git_ref: Option<&str>) -> Result<SourceSpec, SourceError> {
    let shown = path.display().to_string();
    if path.is_dir() {
        return match git_ref {
            None => Ok(SourceSpec::Directory(path.to_path_buf())),
            Some(r) if git2::Repository::open(path).is_ok() => Ok(SourceSpec::Git {
                repo: path.to_path_buf(),
                git_ref: r.to_string(),
            }),
            Some(r) => Err(SourceError::RefWithoutGit {
                path: shown,
                git_ref: r.to_string(),
            }),
        };
    }
    if archive_kind_by_name(path).is_none() {
        return Err(SourceError::UnsupportedFile(shown));
    }
    if let Some(r) = git_ref {
        return Err(SourceError::RefWithoutGit {
            path: shown,
            git_ref: r.to_string(),
        });
    }
    Ok(SourceSpec::Archive(path.to_path_buf()))
}

/// Archive formats we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArchiveKind {
    Zip,
    TarGz,
}

/// The archive kind from the file name, and the name without its extension.
pub(crate) fn archive_kind_by_name(path: &Path) -> Option<(ArchiveKind, String)> {
    let name = path.file_name()?.to_str()?;
    let lower = name.to_ascii_lowercase();
    for (ext, kind) in [
        (".zip", ArchiveKind::Zip),
        (".tar.gz", ArchiveKind::TarGz),
        (".tgz", ArchiveKind::TarGz),
    ] {
        if lower.len() > ext.len() && lower.ends_with(ext) {
            return Some((kind, name[..name.len() - ext.len()].to_string()));
        }
    }
    None
}

fn looks_like_url(input: &str) -> bool {
    let lower = input.to_ascii_lowercase();
    lower.contains("://")
        || lower.starts_with("git@")
        || lower.starts_with("github.com/")
        || lower.starts_with("www.github.com/")
}

fn invalid(input: &str, reason: impl Into<String>) -> SourceError {
    SourceError::InvalidUrl {
        input: input.to_string(),
        reason: reason.into(),
    }
}

/// Parses a GitHub URL in any of the accepted shapes.
pub(crate) fn parse_github_url(input: &str) -> Result<SourceSpec, SourceError> {
    let normalised = if let Some(rest) = input.strip_prefix("git@") {
        // scp-like syntax: git@host:owner/repo.git
        let (host, path) = rest
            .split_once(':')
            .ok_or_else(|| invalid(input, "expected git@github.com:OWNER/REPO.git"))?;
        format!("ssh://git@{host}/{}", path.trim_start_matches('/'))
    } else if input.contains("://") {
        input.to_string()
    } else {
        format!("https://{input}")
    };
    let url = Url::parse(&normalised).map_err(|e| invalid(input, e.to_string()))?;
    if !matches!(url.scheme(), "https" | "http" | "ssh" | "git") {
        return Err(invalid(
            input,
            format!(
                "unsupported scheme {:?} (use https://github.com/OWNER/REPO)",
                url.scheme()
            ),
        ));
    }
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    if host.is_empty() {
        return Err(invalid(input, "missing host"));
    }
    if host != "github.com" && host != "www.github.com" {
        return Err(SourceError::UnsupportedHost { host });
    }
    let segments: Vec<String> = url
        .path_segments()
        .map(|s| s.filter(|s| !s.is_empty()).map(percent_decode).collect())
        .unwrap_or_default();
    if segments.len() < 2 {
        return Err(invalid(input, "expected https://github.com/OWNER/REPO"));
    }
    let owner = segments[0].clone();
    let repo = segments[1]
        .strip_suffix(".git")
        .unwrap_or(&segments[1])
        .to_string();
    validate_owner(&owner)?;
    validate_repo(&repo)?;
    let (git_ref, subpath) = match segments.get(2).map(String::as_str) {
        Some(kind @ ("tree" | "blob" | "commit")) => {
            let git_ref = segments
                .get(3)
                .ok_or_else(|| invalid(input, format!("missing ref after /{kind}/")))?
                .clone();
            let rest = segments[4..].join("/");
            let subpath = (kind == "tree" && !rest.is_empty()).then_some(rest);
            (Some(git_ref), subpath)
        }
        _ => (None, None),
    };
    if let Some(sub) = &subpath {
        if sub.split('/').any(|c| c == "." || c == "..") {
            return Err(invalid(
                input,
                "the path after the ref may not contain '.' or '..'",
            ));
        }
    }
    Ok(SourceSpec::GitHub {
        owner,
        repo,
        git_ref,
        subpath,
    })
}

fn validate_owner(owner: &str) -> Result<(), SourceError> {
    let ok = (1..=39).contains(&owner.len())
        && !owner.starts_with('-')
        && owner.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    ok.then_some(()).ok_or_else(|| SourceError::InvalidName {
        what: "owner",
        name: owner.to_string(),
        rule: "use 1-39 letters, digits or '-', not starting with '-'",
    })
}

fn validate_repo(repo: &str) -> Result<(), SourceError> {
    let ok = (1..=100).contains(&repo.len())
        && repo != "."
        && repo != ".."
        && repo
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    ok.then_some(()).ok_or_else(|| SourceError::InvalidName {
        what: "repository name",
        name: repo.to_string(),
        rule: "use 1-100 letters, digits, '-', '_' or '.'",
    })
}

/// Decodes `%XX` escapes in a URL path segment (invalid escapes stay as they are).
fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_sources_are_made_absolute_and_others_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("repo")).unwrap();
        std::fs::write(root.join("repo.zip"), b"zip").unwrap();
        std::os::unix::fs::symlink(root.join("repo.zip"), root.join("link.zip")).unwrap();
        let shown = |p: std::path::PathBuf| p.display().to_string();
        let roundabout = shown(root.join("repo").join("..").join("repo"));
        assert_eq!(absolute_local(&roundabout), shown(root.join("repo")));
        assert_eq!(
            absolute_local(&shown(root.join("repo").join("..").join("repo.zip"))),
            shown(root.join("repo.zip"))
        );
        // An archive keeps the name it was given (the docpack's name).
        assert_eq!(
            absolute_local(&shown(root.join("repo").join("..").join("link.zip"))),
            shown(root.join("link.zip"))
        );
        assert_eq!(
            absolute_local("."),
            shown(std::env::current_dir().unwrap().canonicalize().unwrap())
        );
        for kept in ["https://github.com/o/r", "o/r-that-is-not-here", "", "   "] {
            assert_eq!(absolute_local(kept), kept);
        }
    }

    #[test]
    fn archive_names() {
        let kind = |n: &str| archive_kind_by_name(Path::new(n));
        assert_eq!(kind("a/x.tar.gz"), Some((ArchiveKind::TarGz, "x".into())));
        assert_eq!(kind("X.TGZ"), Some((ArchiveKind::TarGz, "X".into())));
        assert_eq!(
            kind("repo-main.zip"),
            Some((ArchiveKind::Zip, "repo-main".into()))
        );
        assert_eq!(kind(".zip"), None);
        assert_eq!(kind("x.tar"), None);
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("v1%2E0"), "v1.0");
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
