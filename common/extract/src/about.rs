//! What a repository says about itself: its purpose (the README's first
//! paragraph of prose, else the root manifest's description) and each
//! package's published name and description. Pure: file text in.

use crate::packages;
use doctown_core::artifacts::{About, PackageAbout, Purpose};

/// README file names, most usual first; matched without case.
const README_NAMES: [&str; 6] = [
    "readme.md",
    "readme.markdown",
    "readme.rst",
    "readme.txt",
    "readme",
    "readme.adoc",
];

/// A purpose longer than this is cut at its last sentence that fits.
const PURPOSE_MAX_CHARS: usize = 420;

/// Whether a root file name is a README, and how usual a one (lower is
/// preferred when a repository has several).
pub fn readme_rank(file_name: &str) -> Option<usize> {
    let lower = file_name.to_ascii_lowercase();
    README_NAMES.iter().position(|n| *n == lower)
}

/// What the repository says about itself, from its root README (name and
/// text, if any) and its manifests (repository-relative path and text).
pub fn about(readme: Option<(&str, &str)>, manifests: &[(String, String)]) -> About {
    let mut packages: Vec<PackageAbout> = manifests
        .iter()
        .filter_map(|(path, text)| package(path, text))
        .collect();
    packages.sort_by(|a, b| a.dir.cmp(&b.dir).then_with(|| a.name.cmp(&b.name)));
    packages.dedup_by(|a, b| a.dir == b.dir);
    let from_readme = readme.and_then(|(name, text)| {
        first_paragraph(text).map(|text| Purpose {
            text,
            source: name.to_string(),
        })
    });
    let from_manifest = || {
        manifests
            .iter()
            .filter(|(path, _)| !path.contains('/'))
            .find_map(|(path, text)| {
                let description = package(path, text)
                    .and_then(|p| p.description)
                    .or_else(|| workspace_description(path, text))?;
                Some(Purpose {
                    text: shorten(&description),
                    source: path.clone(),
                })
            })
    };
    About {
        purpose: from_readme.or_else(from_manifest),
        packages,
    }
}

/// One manifest's package: its directory, published name and description.
fn package(path: &str, text: &str) -> Option<PackageAbout> {
    let (dir, file) = match path.rfind('/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    };
    let (name, description) = if file == "pyproject.toml" {
        let value: toml::Table = text.parse().ok()?;
        let project = value
            .get("project")
            .or_else(|| value.get("tool").and_then(|t| t.get("poetry")))?;
        (
            project.get("name")?.as_str()?.to_string(),
            project
                .get("description")
                .and_then(|d| d.as_str())
                .map(str::to_string),
        )
    } else {
        let (_, manifest) = packages::parse(file, text)?;
        (manifest.published, manifest.description)
    };
    (!name.is_empty()).then(|| PackageAbout {
        dir: dir.to_string(),
        name,
        description: description
            .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|d| !d.is_empty()),
    })
}

/// A Cargo virtual workspace's `[workspace.package] description`.
fn workspace_description(path: &str, text: &str) -> Option<String> {
    if path != "Cargo.toml" {
        return None;
    }
    let value: toml::Table = text.parse().ok()?;
    let d = value.get("workspace")?.get("package")?.get("description")?;
    Some(d.as_str()?.to_string())
}

/// The first paragraph of prose in a README (Markdown, reStructuredText or
/// plain text): headings, badges, images, HTML, code, tables, lists and
/// directives are passed over; links keep their text; cut to a few
/// sentences.
pub fn first_paragraph(text: &str) -> Option<String> {
    let mut paragraph: Vec<String> = Vec::new();
    let mut in_fence = false;
    let mut in_front_matter = false;
    let mut lines = text.lines().peekable();
    let mut first = true;
    while let Some(raw) = lines.next() {
        let line = raw.trim();
        if first && line == "---" {
            in_front_matter = true;
            first = false;
            continue;
        }
        first = false;
        if in_front_matter {
            in_front_matter = line != "---";
            continue;
        }
        if line.starts_with("```") || line.starts_with("~~~") {
            in_fence = !in_fence;
            continue;
        }
        let underlined = lines.peek().is_some_and(|next| is_underline(next.trim()));
        if in_fence || underlined || !is_prose(raw) {
            if underlined {
                lines.next();
            }
            if accept(&paragraph) {
                break;
            }
            paragraph.clear();
            continue;
        }
        paragraph.push(line.trim_start_matches('>').trim().to_string());
    }
    accept(&paragraph).then(|| shorten(&plain(&paragraph.join(" "))))
}

/// Whether the lines gathered make a paragraph of prose worth quoting.
fn accept(paragraph: &[String]) -> bool {
    let text = plain(&paragraph.join(" "));
    text.split_whitespace().count() >= 5 && text.chars().any(|c| c.is_alphabetic())
}

/// A setext heading's underline (Markdown) or a section adornment (rst).
fn is_underline(line: &str) -> bool {
    line.len() >= 3
        && line
            .chars()
            .all(|c| matches!(c, '=' | '-' | '~' | '^' | '*' | '#' | '+'))
}

/// Whether a line can be part of a paragraph of prose.
fn is_prose(raw: &str) -> bool {
    let line = raw.trim();
    if line.is_empty() || raw.starts_with("    ") || raw.starts_with('\t') {
        return false;
    }
    let list = line.starts_with("- ")
        || line.starts_with("* ")
        || line.starts_with("+ ")
        || line
            .split_once(". ")
            .is_some_and(|(n, _)| n.chars().all(|c| c.is_ascii_digit()));
    let markup = line.starts_with('#')
        || line.starts_with('<')
        || line.starts_with('|')
        || line.starts_with("..")
        || line.starts_with(':')
        || line.starts_with("[!")
        || line.starts_with("![")
        || line.starts_with("[![")
        || is_underline(line);
    // A line of links and images only (a row of badges).
    let only_links = plain(line).trim().is_empty();
    !(list || markup || only_links)
}

/// Markdown and rst inline markup taken out: images dropped, links and
/// references keep their text, emphasis marks go; inline code stays.
fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("![") {
            rest = skip_link(&rest[1..]).unwrap_or(&rest[2..]);
            continue;
        }
        if c == '[' {
            if let Some((label, after)) = link(rest) {
                out.push_str(&plain(label));
                rest = after;
                continue;
            }
        }
        if rest.starts_with("**") || rest.starts_with("__") {
            rest = &rest[2..];
            continue;
        }
        if c == '`' && rest.starts_with("``") {
            // rst's inline literal is Markdown's single backtick.
            out.push('`');
            rest = &rest[2..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    let words: Vec<&str> = out.split_whitespace().collect();
    words.join(" ")
}

/// `[label](target)` or `[label][ref]` at the start of `text`: the label
/// and what follows the link.
fn link(text: &str) -> Option<(&str, &str)> {
    let close = text.find(']')?;
    let label = &text[1..close];
    let after = &text[close + 1..];
    let end = match after.chars().next() {
        Some('(') => after.find(')')? + 1,
        Some('[') => after.find(']')? + 1,
        _ => return None,
    };
    Some((label, &after[end..]))
}

/// What follows a `[label](target)` at the start of `text`.
fn skip_link(text: &str) -> Option<&str> {
    link(text).map(|(_, after)| after)
}

/// At most [`PURPOSE_MAX_CHARS`], cut after the last whole sentence that
/// fits (or at a word, with an ellipsis, when the first sentence is
/// longer).
fn shorten(text: &str) -> String {
    let text = text.trim();
    if text.len() <= PURPOSE_MAX_CHARS {
        return text.to_string();
    }
    let mut cut = PURPOSE_MAX_CHARS;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = &text[..cut];
    let sentence_end = head
        .match_indices(". ")
        .map(|(i, _)| i + 1)
        .filter(|&i| i >= 40)
        .last();
    match sentence_end {
        Some(end) => head[..end].to_string(),
        None => {
            let word = head.rfind(' ').unwrap_or(cut);
            format!("{}…", head[..word].trim_end_matches([',', ';', ':']))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_paragraph_of_prose_passes_over_titles_badges_and_html() {
        let readme = "<p align=\"center\"><img src=\"logo.png\"></p>\n\n# Ripgrep\n\n\
            [![Build](https://ci/badge.svg)](https://ci) [![crates](https://c/b.svg)](https://c)\n\n\
            ripgrep is a **line-oriented** search tool that recursively searches the\n\
            current directory for a regex pattern. See [the guide](GUIDE.md).\n\n\
            Second paragraph.\n";
        assert_eq!(
            first_paragraph(readme).as_deref(),
            Some(
                "ripgrep is a line-oriented search tool that recursively searches the \
                 current directory for a regex pattern. See the guide."
            )
        );
    }

    #[test]
    fn rst_titles_directives_and_short_lines_are_not_the_purpose() {
        let readme =
            "Requests\n========\n\n.. image:: https://x/badge.svg\n   :target: https://x\n\n\
            **Requests** is a simple, yet elegant, HTTP library.\n\n\
            .. code-block:: python\n\n    >>> import requests\n";
        assert_eq!(
            first_paragraph(readme).as_deref(),
            Some("Requests is a simple, yet elegant, HTTP library.")
        );
        assert_eq!(
            first_paragraph("# Title\n\nWIP\n\n- a list item of words here\n"),
            None
        );
        assert_eq!(first_paragraph("---\ntitle: x y z w v u\n---\n# T\n"), None);
    }

    #[test]
    fn a_long_paragraph_is_cut_at_a_sentence() {
        let sentence = "This sentence has exactly ten words in it, more or less. ";
        let text = sentence.repeat(20);
        let cut = first_paragraph(&text).unwrap();
        assert!(
            cut.len() <= PURPOSE_MAX_CHARS && cut.ends_with("less."),
            "{cut}"
        );
        let one = format!("{}.", "word ".repeat(200).trim());
        assert!(first_paragraph(&one).unwrap().ends_with('…'));
    }

    #[test]
    fn packages_carry_their_published_names_and_descriptions() {
        let manifests = vec![
            (
                "Cargo.toml".to_string(),
                "[workspace]\nmembers = [\"a\"]\n[workspace.package]\ndescription = \"A tool.\"\n"
                    .to_string(),
            ),
            (
                "crates/a/Cargo.toml".to_string(),
                "[package]\nname = \"my-a\"\ndescription = \"\"\"Reads\n  things.\"\"\"\n"
                    .to_string(),
            ),
            (
                "web/package.json".to_string(),
                r#"{"name": "@x/web", "description": "The site"}"#.to_string(),
            ),
            (
                "py/pyproject.toml".to_string(),
                "[project]\nname = \"pkg\"\n".to_string(),
            ),
        ];
        let about = about(None, &manifests);
        let named: Vec<(&str, &str, Option<&str>)> = about
            .packages
            .iter()
            .map(|p| (p.dir.as_str(), p.name.as_str(), p.description.as_deref()))
            .collect();
        assert_eq!(
            named,
            [
                ("crates/a", "my-a", Some("Reads things.")),
                ("py", "pkg", None),
                ("web", "@x/web", Some("The site")),
            ]
        );
        let purpose = about.purpose.unwrap();
        assert_eq!(
            (purpose.text.as_str(), purpose.source.as_str()),
            ("A tool.", "Cargo.toml")
        );
        assert_eq!(about.packages[0].dir, "crates/a");
    }

    #[test]
    fn the_readme_comes_before_the_manifest() {
        let manifests = vec![(
            "package.json".to_string(),
            r#"{"name": "x", "description": "From the manifest"}"#.to_string(),
        )];
        let about = about(
            Some(("README.md", "# X\n\nX turns five words into more words.\n")),
            &manifests,
        );
        assert_eq!(about.purpose.unwrap().source, "README.md");
        assert_eq!(readme_rank("ReadMe.MD"), Some(0));
        assert_eq!(readme_rank("README-dev.md"), None);
    }
}
