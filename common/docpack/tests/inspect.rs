//! Golden text of `inspect` for the fixture docpack, and its JSON form.
//! Regenerate with `UPDATE_GOLDEN=1 cargo test -p doctown-docpack --test inspect`.

mod common;

use doctown_docpack::*;

fn fixture_docpack() -> Docpack {
    read_docpack_bytes(&common::fixture::encoded().bytes, &ReadLimits::default()).unwrap()
}

#[test]
fn inspect_text_matches_golden() {
    let text = inspect(&fixture_docpack()).render();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/inspect.txt");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let golden = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text, golden, "run UPDATE_GOLDEN=1 to accept:\n{text}");
}

#[test]
fn inspect_json_has_the_lists() {
    let i = inspect(&fixture_docpack());
    assert_eq!(i.to_string(), i.render());
    let v = serde_json::to_value(&i).unwrap();
    assert_eq!(
        v["central_symbols"][0]["qualified_name"],
        "kv::http::HttpServer::serve"
    );
    assert_eq!(v["largest_clusters"].as_array().unwrap().len(), 2);
    assert_eq!(v["languages"][0]["language"], "rust");
    assert_eq!(v["source"]["ref"], "main");
}
