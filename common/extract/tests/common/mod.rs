//! Shared helpers for the integration tests: extraction of fixtures and a
//! readable text rendering of what was extracted.

#![allow(dead_code)]

use doctown_core::{Import, Language, Symbol};
use doctown_extract::{resolve_calls, Extraction, Extractor, ProjectLayout};
use std::collections::HashMap;
use std::fmt::Write;

/// Extracts several files (repo path, language, source) and resolves calls
/// across them; returns the extractions in input order.
pub fn extract_all(files: &[(&str, Language, &str)]) -> Vec<Extraction> {
    extract_with_layout(files, ProjectLayout::default())
}

/// [`extract_all`] under a layout (crate names, module roots).
pub fn extract_with_layout(
    files: &[(&str, Language, &str)],
    layout: ProjectLayout,
) -> Vec<Extraction> {
    let layout = std::sync::Arc::new(layout);
    let mut extractor = Extractor::with_layout(layout.clone());
    let mut extractions: Vec<Extraction> = files
        .iter()
        .map(|(path, language, source)| extractor.extract(path, *language, source))
        .collect();
    let imports: HashMap<String, Vec<Import>> = files
        .iter()
        .zip(&extractions)
        .map(|((path, _, _), e)| (path.to_string(), e.imports.clone()))
        .collect();
    let mut all: Vec<Symbol> = extractions.iter().flat_map(|e| e.symbols.clone()).collect();
    resolve_calls(&mut all, &imports, &layout);
    let mut rest = all.into_iter();
    for e in &mut extractions {
        let n = e.symbols.len();
        e.symbols = rest.by_ref().take(n).collect();
    }
    extractions
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// The golden text of one extraction; `all` names resolved targets.
pub fn render(extraction: &Extraction, all: &[Symbol]) -> String {
    let names: HashMap<&str, &str> = all
        .iter()
        .map(|s| (s.id.as_str(), s.qualified_name.as_str()))
        .collect();
    let mut out = String::new();
    writeln!(out, "has_syntax_errors: {}", extraction.has_syntax_errors).unwrap();
    writeln!(out, "\n# symbols ({})", extraction.symbols.len()).unwrap();
    for s in &extraction.symbols {
        let vis = format!("{:?}", s.visibility).to_lowercase();
        writeln!(
            out,
            "{} {} L{}-L{} {} | {}",
            s.kind.name(),
            s.qualified_name,
            s.span.start.line,
            s.span.end.line,
            vis,
            s.signature
        )
        .unwrap();
        if let Some(doc) = &s.doc {
            let more = if doc.contains('\n') { " …" } else { "" };
            writeln!(out, "    doc: {}{more}", first_line(doc)).unwrap();
        }
        if !s.attributes.is_empty() {
            writeln!(out, "    attributes: {}", s.attributes.join(" ; ")).unwrap();
        }
        if !s.bases.is_empty() {
            writeln!(out, "    bases: {}", s.bases.join(", ")).unwrap();
        }
        if let Some(target) = &s.target {
            writeln!(out, "    target: {target}").unwrap();
        }
        if let Some(parent) = &s.parent {
            writeln!(
                out,
                "    parent: {}",
                names.get(parent.as_str()).copied().unwrap_or("<missing>")
            )
            .unwrap();
        }
    }
    writeln!(out, "\n# imports ({})", extraction.imports.len()).unwrap();
    for i in &extraction.imports {
        let names = if i.names.is_empty() {
            String::new()
        } else {
            format!(" [{}]", i.names.join(", "))
        };
        let alias = i
            .alias
            .as_ref()
            .map(|a| format!(" as {a}"))
            .unwrap_or_default();
        writeln!(out, "L{} {}{names}{alias}", i.line, i.module).unwrap();
    }
    let count: usize = extraction.symbols.iter().map(|s| s.calls.len()).sum();
    writeln!(out, "\n# calls ({count})").unwrap();
    for s in &extraction.symbols {
        for c in &s.calls {
            let target = c
                .resolved
                .as_ref()
                .map(|id| {
                    names
                        .get(id.as_str())
                        .copied()
                        .unwrap_or("<missing>")
                        .to_string()
                })
                .unwrap_or_else(|| "?".into());
            let kind = format!("{:?}", c.kind).to_lowercase();
            let receiver = c
                .receiver_type
                .as_ref()
                .map(|t| format!(", receiver: {t}"))
                .unwrap_or_default();
            let how = c
                .provenance
                .map(|p| format!(" via {}", p.name()))
                .unwrap_or_default();
            writeln!(
                out,
                "{} -> {} ({kind}, L{}{receiver}) [{target}]{how}",
                s.qualified_name, c.callee, c.line
            )
            .unwrap();
        }
    }
    out
}

/// Compares with a golden file, or rewrites it when `UPDATE_GOLDEN` is set.
pub fn check_golden(golden_path: &std::path::Path, actual: &str) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(golden_path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(golden_path).unwrap_or_else(|_| {
        panic!(
            "missing {}; run with UPDATE_GOLDEN=1",
            golden_path.display()
        )
    });
    if expected != actual {
        let diff: Vec<String> = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .filter(|(_, (e, a))| e != a)
            .take(10)
            .map(|(i, (e, a))| format!("line {}:\n  expected: {e}\n  actual:   {a}", i + 1))
            .collect();
        panic!(
            "{} differs (expected {} lines, got {}); UPDATE_GOLDEN=1 rewrites it\n{}",
            golden_path.display(),
            expected.lines().count(),
            actual.lines().count(),
            diff.join("\n")
        );
    }
}
