//! Golden outputs of the facts writer for the fixture contexts
//! (`tests/golden/facts.txt`, reviewed by eye). Regenerate with
//! `UPDATE_GOLDEN=1 cargo test -p doctown-generate --test golden`.

mod common;

use doctown_generate::artifacts::generate::GeneratedDocs;
use doctown_generate::writer::FactsWriter;
use doctown_generate::{GenerateConfig, GenerateHandler};

/// The fixture job's `docs.json`, as the stage writes it.
fn fixture_docs() -> GeneratedDocs {
    let (store, job) = common::fixture_job(None);
    let handler = GenerateHandler::new(GenerateConfig::default());
    common::run_stage(&handler, &store, &job).0.unwrap();
    let key = format!("jobs/{}/generate/docs.json", job.job_id);
    let docs = doctown_store::ObjectStore::get(&store, &key)
        .unwrap()
        .unwrap();
    serde_json::from_slice(&docs.bytes).unwrap()
}

/// The docs with each symbol's kind and role (from its facts).
fn render() -> String {
    let input = common::fixture_input();
    let writer = FactsWriter::new(&input);
    let docs = fixture_docs();
    let mut out = String::from(
        "# Facts summaries of tests/fixtures (regenerate with UPDATE_GOLDEN=1)\n\n## Symbols\n\n",
    );
    for s in &input.symbols {
        let doc = docs.symbols.iter().find(|d| d.id == s.id).unwrap();
        out.push_str(&format!(
            "{} ({}, {:?})\n  {}\n\n",
            s.qualified_name,
            s.kind,
            writer.role(s),
            doc.documentation.summary
        ));
    }
    out.push_str("## Modules\n\n");
    for m in &docs.modules {
        out.push_str(&format!("{}\n  {}\n\n", m.path, m.documentation.summary));
    }
    out.push_str(&format!(
        "## Architecture\n\n  {}\n",
        docs.architecture.documentation.summary
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
    let docs = fixture_docs();
    assert_eq!(docs, fixture_docs());
    let mut openings = std::collections::HashSet::new();
    for s in &docs.symbols {
        let text = &s.documentation.summary;
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
    assert!(docs
        .modules
        .iter()
        .any(|m| m.documentation.summary.contains("mostly about")));
}
