//! The mention bonus of hybrid and lexical search: a query word that is a
//! symbol's exact name and looks like an identifier (an uppercase letter,
//! an underscore or a digit) lifts that symbol by half a best match;
//! prose words and near-misses in case do not.

use doctown_query::search::{search, Filters, Mode, SearchRequest};
use doctown_query::synthetic::{hub_pack, Hub};
use doctown_query::Pack;
use std::sync::Arc;

fn pack() -> Arc<Pack> {
    let shape = Hub {
        callers: 30,
        test_callers: 0,
        second_level: 0,
        modules: 3,
    };
    Arc::new(hub_pack(shape))
}

/// The hits' names and scores for a lexical query.
fn ranked(p: &Arc<Pack>, query: &str) -> Vec<(String, f64)> {
    let req = SearchRequest {
        query: query.into(),
        vector: None,
        mode: Mode::Lexical,
        limit: 5,
        filters: Filters::default(),
        expand: 0,
    };
    search(std::slice::from_ref(p), &req)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| (h.symbol.name, h.score))
        .collect()
}

#[test]
fn an_identifier_in_the_query_lifts_the_symbol_it_names() {
    let p = pack();
    let hits = ranked(&p, "who calls caller_17");
    assert_eq!(hits[0].0, "caller_17", "{hits:?}");
    // Its lexical score is the best (1.0), plus the whole mention (0.5).
    assert!((hits[0].1 - 1.5).abs() < 1e-6, "{hits:?}");
    assert!(hits[1..].iter().all(|h| h.1 <= 1.0 + 1e-9), "{hits:?}");
}

#[test]
fn prose_and_other_cases_earn_no_mention() {
    let p = pack();
    for query in ["hub", "Hub", "HUB"] {
        let hits = ranked(&p, query);
        let hub = hits.iter().find(|h| h.0 == "hub");
        assert!(hub.is_some_and(|h| h.1 <= 1.0 + 1e-9), "{query}: {hits:?}");
    }
}
