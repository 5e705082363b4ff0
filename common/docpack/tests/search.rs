//! `search` by name tokens and by a query vector.

mod common;

use common::fixture::SYMS;
use doctown_docpack::*;

fn docpack() -> Docpack {
    read_docpack_bytes(&common::fixture::encoded().bytes, &ReadLimits::default()).unwrap()
}

#[test]
fn finds_a_function_by_name_tokens() {
    let d = docpack();
    for query in [
        "http request parse",
        "parseHttpRequest",
        "parse_http",
        "HTTP_REQUEST",
    ] {
        let hits = search(&d, None, query, 3);
        assert_eq!(hits[0].symbol_id, "sym_parse", "{query}: {hits:?}");
        assert!(hits[0].vector_score.is_none());
    }
    let exact = search(&d, None, "loadConfig", 5);
    assert_eq!(
        (exact[0].symbol_id.as_str(), exact[0].score),
        ("sym_load_config", 1.0)
    );
    let qualified = search(&d, None, "store::put", 5);
    assert_eq!(
        (qualified[0].symbol_id.as_str(), qualified[0].score),
        ("sym_put", 0.95)
    );
    assert_eq!(
        search(&d, None, "load con", 5)[0].symbol_id,
        "sym_load_config"
    );
    assert!(search(&d, None, "zzz", 5).is_empty());
    assert!(search(&d, None, "  ", 5).is_empty());
}

#[test]
fn finds_a_function_by_a_close_vector() {
    let d = docpack();
    let parse = &SYMS[2];
    let query: Vec<f32> = parse.vector.iter().map(|x| x * 2.0 + 0.01).collect();
    let hits = search(&d, Some(&query), "", 3);
    assert_eq!(hits[0].symbol_id, "sym_parse");
    assert!(hits[0].vector_score.unwrap() > 0.99);
    assert_eq!(
        hits[0].chunk_id.as_deref(),
        Some(common::fixture::chunk_id("sym_parse").as_str())
    );
    // Combined: the vector points at `parse`, the text at the store; both rank.
    let hits = search(&d, Some(&query), "store get", 7);
    let top: Vec<&str> = hits.iter().take(2).map(|h| h.symbol_id.as_str()).collect();
    assert!(
        top.contains(&"sym_parse") && top.contains(&"sym_get"),
        "{hits:?}"
    );
}

#[test]
fn vector_dimension_mismatch() {
    let d = docpack();
    assert_eq!(
        search(&d, Some(&[1.0, 0.0]), "serve", 1)[0].symbol_id,
        "sym_serve"
    );
    let err = search_checked(&d, Some(&[1.0, 0.0]), "serve", 1).unwrap_err();
    assert_eq!(
        err.to_string(),
        "query vector has 2 dimensions but the docpack's embeddings have 4"
    );
}
