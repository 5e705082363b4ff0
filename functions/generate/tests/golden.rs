//! Golden outputs of the facts writer for the fixture contexts
//! (`tests/golden/facts.txt`, reviewed by eye). Regenerate with
//! `UPDATE_GOLDEN=1 cargo test -p doctown-generate --test golden`.

mod common;

use doctown_generate::overview::{
    architecture_facts, architecture_summary, module_summaries, module_summary,
};
use doctown_generate::writer::FactsWriter;

fn render() -> String {
    let input = common::fixture_input();
    let writer = FactsWriter::new(&input);
    let mut out = String::from(
        "# Facts summaries of tests/fixtures (regenerate with UPDATE_GOLDEN=1)\n\n## Symbols\n\n",
    );
    for s in &input.symbols {
        out.push_str(&format!(
            "{} ({}, {:?})\n  {}\n\n",
            s.qualified_name,
            s.kind,
            writer.role(s),
            writer.symbol(s)
        ));
    }
    out.push_str("## Modules\n\n");
    for m in &input.modules {
        out.push_str(&format!("{}\n  {}\n\n", m.path, module_summary(&input, m)));
    }
    let arch = architecture_facts(&writer, &input);
    out.push_str(&format!(
        "## Architecture\n\n  {}\n",
        architecture_summary(&input, &arch)
    ));
    out
}

#[test]
fn facts_summaries_match_golden() {
    let path = common::fixture_dir().join("../golden/facts.txt");
    let actual = render();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        actual, expected,
        "facts summaries changed; review and rerun with UPDATE_GOLDEN=1"
    );
}

#[test]
fn facts_summaries_are_clean_and_deterministic() {
    let input = common::fixture_input();
    let writer = FactsWriter::new(&input);
    let mut openings = std::collections::HashSet::new();
    for s in &input.symbols {
        let text = writer.symbol(s);
        assert_eq!(text, writer.symbol(s));
        for leak in ["None", "[]", "``", "  ", "Some(", " ,", " ."] {
            assert!(!text.contains(leak), "{leak:?} leaks into {text:?}");
        }
        let sentences = text.matches(". ").count() + 1;
        assert!(
            sentences <= 2 || text.contains("e.g."),
            "more than two sentences: {text}"
        );
        assert!(text.ends_with('.') || text.ends_with('…'), "{text}");
        openings.insert(text.split_whitespace().nth(1).unwrap_or("").to_string());
    }
    assert!(
        openings.len() >= 6,
        "sentence shapes barely vary: {openings:?}"
    );
}

#[test]
fn module_summaries_in_one_pass_are_each_modules_summary() {
    let input = common::fixture_input();
    let one_by_one: Vec<String> = input
        .modules
        .iter()
        .map(|m| module_summary(&input, m))
        .collect();
    assert!(one_by_one.iter().any(|t| t.contains("mostly about")));
    assert_eq!(module_summaries(&input), one_by_one);
}
