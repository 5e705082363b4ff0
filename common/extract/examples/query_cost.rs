//! What compiling each query-engine language's query costs, in each form
//! the extractor compiles (the full query, an outline's, a listing's):
//! `cargo run --release -p doctown-extract --example query_cost`.
//!
//! Each form is compiled `ROUNDS` times (default 3) and the fastest time
//! is reported, in milliseconds of wall time on one thread.
//! `PATTERNS=N` also compiles each full query's patterns one by one and
//! lists the N slowest (`FORM=listing` or `FORM=outline`: that form's
//! patterns instead) (a pattern alone costs about what it adds to its
//! query: tree-sitter analyses each pattern against the grammar's parse
//! states).
//!
//! `query_cost LANGUAGE FILE.scm` instead times one query file against a
//! language's grammar, whole and pattern by pattern (to try a cheaper way
//! of writing a pattern).

use doctown_extract::{grammar, query_languages, query_text, QueryForm};
use std::time::{Duration, Instant};
use tree_sitter::Query;

const FORMS: [QueryForm; 3] = [QueryForm::Full, QueryForm::Outline, QueryForm::Listing];

fn env_number(name: &str, default: usize) -> Result<usize, String> {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .map_err(|_| format!("{name} must be a number, not {value:?}")),
        Err(_) => Ok(default),
    }
}

/// The fastest of `rounds` compilations of `text`.
fn compile_time(
    language: &tree_sitter::Language,
    text: &str,
    rounds: usize,
) -> Result<Duration, String> {
    let mut best = Duration::MAX;
    for _ in 0..rounds.max(1) {
        let started = Instant::now();
        Query::new(language, text).map_err(|e| e.to_string())?;
        best = best.min(started.elapsed());
    }
    Ok(best)
}

/// Writes a line of the report (an error, not a panic, when stdout is
/// closed).
fn emit(line: &str) -> Result<(), String> {
    use std::io::Write;
    writeln!(std::io::stdout().lock(), "{line}").map_err(|e| format!("stdout: {e}"))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    if let Err(e) = run() {
        eprintln!("query_cost: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let rounds = env_number("ROUNDS", 3)?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [language, file] = args.as_slice() {
        return try_file(language, file, rounds);
    }
    if !args.is_empty() {
        return Err("usage: query_cost [LANGUAGE FILE.scm]".into());
    }
    let slowest = env_number("PATTERNS", 0)?;
    let pattern_form = match std::env::var("FORM").as_deref() {
        Err(_) | Ok("full") => QueryForm::Full,
        Ok("outline") => QueryForm::Outline,
        Ok("listing") => QueryForm::Listing,
        Ok(other) => {
            return Err(format!(
                "FORM must be full, outline or listing, not {other:?}"
            ))
        }
    };
    emit("| language | full ms | outline ms | listing ms |")?;
    emit("|---|---:|---:|---:|")?;
    let mut totals = [Duration::ZERO; 3];
    let mut patterns: Vec<(Duration, String)> = Vec::new();
    for (language, _) in query_languages() {
        let grammar = grammar(language);
        let mut row = format!("| {} |", language.name());
        for (form, total) in FORMS.iter().zip(&mut totals) {
            let text = query_text(language, *form).ok_or("a query language has no query")?;
            let took = compile_time(&grammar, &text, rounds)
                .map_err(|e| format!("{} ({form:?}): {e}", language.name()))?;
            *total += took;
            row.push_str(&format!(" {:.1} |", ms(took)));
        }
        emit(&row)?;
        if slowest > 0 {
            patterns.extend(pattern_times(language, pattern_form, &grammar, rounds)?);
        }
    }
    let [full, outline, listing] = totals.map(ms);
    emit(&format!(
        "| all | {full:.1} | {outline:.1} | {listing:.1} |"
    ))?;
    if slowest > 0 {
        patterns.sort_by_key(|p| std::cmp::Reverse(p.0));
        emit("\n| pattern | ms |\n|---|---:|")?;
        for (took, pattern) in patterns.iter().take(slowest) {
            emit(&format!("| {pattern} | {:.1} |", ms(*took)))?;
        }
    }
    Ok(())
}

/// Each pattern of a form of a language's query compiled alone, named by
/// its language, line in that form's text and first line of text.
fn pattern_times(
    language: doctown_core::Language,
    form: QueryForm,
    grammar: &tree_sitter::Language,
    rounds: usize,
) -> Result<Vec<(Duration, String)>, String> {
    let text = query_text(language, form).ok_or("a query language has no query")?;
    let query = Query::new(grammar, &text).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for i in 0..query.pattern_count() {
        let (start, end) = (
            query.start_byte_for_pattern(i),
            query.end_byte_for_pattern(i),
        );
        let pattern = &text[start..end];
        let line = text[..start].matches('\n').count() + 1;
        let head = pattern.lines().next().unwrap_or("").replace('|', "\\|");
        let name = format!("{}:{line} `{head}`", language.name());
        // A predicate may name a capture an earlier pattern wrote first
        // (`(#match? @import …)) @import`): such a pattern is timed after
        // a pattern that declares its captures.
        let took = match compile_time(grammar, pattern, rounds) {
            Ok(took) => took,
            Err(_) => {
                let declared = declaring(&query, i);
                compile_time(grammar, &format!("{declared}\n{pattern}"), rounds)?
                    .saturating_sub(compile_time(grammar, &declared, rounds)?)
            }
        };
        out.push((took, name));
    }
    Ok(out)
}

/// A pattern that declares pattern `i`'s captures, in the order it names
/// them (it matches nothing that pattern matches).
fn declaring(query: &Query, i: usize) -> String {
    let names = query.capture_names();
    let captures: Vec<String> = query
        .capture_quantifiers(i)
        .iter()
        .enumerate()
        .filter(|(_, q)| **q != tree_sitter::CaptureQuantifier::Zero)
        .map(|(c, _)| format!("(ERROR) @{}", names[c]))
        .collect();
    format!("[{}]", captures.join(" "))
}

/// Times a query file against a language's grammar: whole, then each
/// pattern alone.
fn try_file(language: &str, file: &str, rounds: usize) -> Result<(), String> {
    let language =
        doctown_core::Language::from_name(language).ok_or(format!("no language {language:?}"))?;
    let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
    let grammar = grammar(language);
    let query = Query::new(&grammar, &text).map_err(|e| format!("{file}: {e}"))?;
    let whole = compile_time(&grammar, &text, rounds)?;
    emit(&format!("{file}: {:.1} ms", ms(whole)))?;
    for i in 0..query.pattern_count() {
        let pattern = &text[query.start_byte_for_pattern(i)..query.end_byte_for_pattern(i)];
        let head = pattern.lines().next().unwrap_or("");
        match compile_time(&grammar, pattern, rounds) {
            Ok(took) => emit(&format!("  {:.1} ms  {head}", ms(took)))?,
            Err(e) => emit(&format!("  (alone: {e})  {head}"))?,
        }
    }
    Ok(())
}
