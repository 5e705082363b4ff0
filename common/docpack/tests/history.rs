//! `history.json` (format 1.4): written, checksummed, read back and
//! validated; the manifest says whether it is there or why it is not;
//! `inspect`, `export` and `diff` show it.

mod common;

use common::fixture::{fixture, fixture_with_history};
use doctown_docpack::*;

fn read(input: &DocpackInput) -> Docpack {
    read_docpack_bytes(
        &encode_docpack(input).unwrap().bytes,
        &ReadLimits::default(),
    )
    .unwrap()
}

#[test]
fn the_history_part_round_trips() {
    let input = fixture_with_history();
    let encoded = encode_docpack(&input).unwrap();
    let names: Vec<&str> = encoded.entries.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.contains(&"history.json"), "{names:?}");
    let listed = &encoded.manifest.checksum.entries;
    assert!(listed.iter().any(|e| e.name == "history.json"));
    let d = read(&input);
    assert!(d.manifest.parts.history);
    assert_eq!(d.manifest.parts.history_absent, None);
    assert_eq!(d.history, input.history);
    // The same content gives the same bytes.
    assert_eq!(encode_docpack(&input).unwrap().bytes, encoded.bytes);
    // Absent optional fields are omitted, not null.
    let (_, bytes) = encoded
        .entries
        .iter()
        .find(|(n, _)| n == "history.json")
        .unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(!text.contains("null"), "{text}");
    assert!(text.contains("\"since\"") == input.history.unwrap().summary.since.is_some());
}

#[test]
fn without_a_history_the_manifest_says_why() {
    let input = DocpackInput {
        history_absent: Some("the source is an archive: it has no git history".into()),
        ..fixture()
    };
    let d = read(&input);
    assert!(!d.manifest.parts.history);
    assert_eq!(
        d.manifest.parts.history_absent.as_deref(),
        Some("the source is an archive: it has no git history")
    );
    assert!(d.history.is_none());
    let text = inspect(&d).render();
    assert!(
        text.contains("history   no history: the source is an archive"),
        "{text}"
    );
    // A reason next to a history is dropped: the part speaks for itself.
    let both = DocpackInput {
        history_absent: Some("stale".into()),
        ..fixture_with_history()
    };
    assert_eq!(read(&both).manifest.parts.history_absent, None);
}

#[test]
fn a_history_naming_an_unknown_symbol_is_refused() {
    let mut input = fixture_with_history();
    input.history.as_mut().unwrap().symbols[0].id = Some("sym_nowhere".into());
    let err = encode_docpack(&input).unwrap_err().to_string();
    assert!(
        err.contains("history.json refers to unknown symbol sym_nowhere"),
        "{err}"
    );
    let mut input = fixture_with_history();
    input.history.as_mut().unwrap().format = "something-else".into();
    let err = encode_docpack(&input).unwrap_err().to_string();
    assert!(
        err.contains("history.json is something-else version 1"),
        "{err}"
    );
    let mut input = fixture_with_history();
    input.history.as_mut().unwrap().coupling.files[0].degree = f64::NAN;
    assert!(encode_docpack(&input).is_err());
}

#[test]
fn inspect_summarises_the_history() {
    let d = read(&fixture_with_history());
    let text = inspect(&d).render();
    assert!(
        text.contains("optional  embeddings yes, symbol_contexts yes, history yes"),
        "{text}"
    );
    assert!(
        text.contains(
            "history   9 commits by 2 authors, 2024-01-01 to 2024-03-01 (per symbol); hotspots src/http.rs, src/store.rs; 1 hidden co-change pairs\n"
        ),
        "{text}"
    );
    let mut shallow = fixture_with_history();
    shallow.history.as_mut().unwrap().summary.shallow = true;
    let text = inspect(&read(&shallow)).render();
    assert!(text.contains("shallow clone"), "{text}");
}

#[test]
fn export_writes_a_history_page_and_symbol_lines() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let report = export_markdown(&read(&fixture_with_history()), &out).unwrap();
    assert!(report.files.contains(&"history.md".to_string()));
    let page = std::fs::read_to_string(out.join("history.md")).unwrap();
    assert!(page.contains("9 commits (1 merge) by 2 authors, 2024-01-01 to 2024-03-01"));
    assert!(
        page.contains("| `src/http.rs` | 210 | 7 | 30 | 1 |"),
        "{page}"
    );
    // The symbol hotspot links to the symbol's section.
    assert!(
        page.contains("[`kv::http::HttpServer::serve`](modules/kv-http.md#sym_serve)"),
        "{page}"
    );
    assert!(
        page.contains("| `src/http.rs` | `src/store.rs` | 4 | 67% | none: hidden coupling |"),
        "{page}"
    );
    assert!(
        page.contains("| `(repository)` | 2 | 1 | Ann | 70% |"),
        "{page}"
    );
    assert!(
        page.contains("| 2024-02 | 0 | 0 | 0 | 0 | 0 | 0 |"),
        "{page}"
    );
    let http = std::fs::read_to_string(out.join("modules/kv-http.md")).unwrap();
    assert!(
        http.contains(
            "History: changed in 6 commits by 2 authors (+30 −6 lines), last on 2024-03-01."
        ),
        "{http}"
    );
    let index = std::fs::read_to_string(out.join("index.md")).unwrap();
    assert!(index.contains("[History](history.md)"), "{index}");
    // Without a history, the index says why.
    let none = DocpackInput {
        history_absent: Some("history was turned off for this build".into()),
        ..fixture()
    };
    let out = dir.path().join("none");
    let report = export_markdown(&read(&none), &out).unwrap();
    assert!(!report.files.contains(&"history.md".to_string()));
    let index = std::fs::read_to_string(out.join("index.md")).unwrap();
    assert!(index.contains("- No history: history was turned off for this build"));
}

#[test]
fn diff_reports_what_the_history_adds() {
    let old = read(&fixture_with_history());
    let mut newer = fixture_with_history();
    {
        let h = newer.history.as_mut().unwrap();
        h.summary.commits = 12;
        h.summary.head = Some("fedcba9876543210fedcba9876543210fedcba98".into());
        let mut cy = h.authors[1].clone();
        cy.key = "cy@example.com".into();
        cy.name = "Cy".into();
        h.authors.push(cy);
        let mut spot = h.hotspots.files[1].clone();
        spot.name = "src/new.rs".into();
        h.hotspots.files.push(spot);
    }
    let d = diff(&old, &read(&newer));
    let h = d.history.as_ref().unwrap();
    assert_eq!((h.old_commits, h.new_commits), (Some(9), Some(12)));
    assert_eq!(h.new_authors, ["Cy"]);
    assert_eq!(h.new_hotspots, ["src/new.rs"]);
    let text = d.render();
    assert!(
        text.contains("history\n  commits 9 -> 12, head 0123456789ab -> fedcba987654\n  new authors: Cy\n  new hotspots: src/new.rs\n"),
        "{text}"
    );
    // The same history: nothing to say.
    assert!(diff(&old, &old).is_empty());
    // A history gained.
    let gained = diff(&read(&fixture()), &old);
    assert_eq!(gained.history.unwrap().old_commits, None);
}
