//! `impact` on a symbol with 10,000 callers: the walk is bounded, the
//! answer paged, and every page's text stays small.

use doctown_query::synthetic::{hub_pack, Hub};
use doctown_query::Reader;
use doctown_query::{impact, render, Pack, Sym};
use std::collections::HashSet;

/// The pack of a hub docpack of this shape, and the hub's index in it.
fn hub_and_pack(shape: Hub) -> (Pack, Sym) {
    let p = hub_pack(shape);
    let id = &p
        .docpack
        .nodes
        .symbols
        .iter()
        .find(|s| s.name == "hub")
        .unwrap()
        .id;
    let hub = p.index_of(id).unwrap();
    (p, hub)
}

#[test]
fn ten_thousand_callers_are_paged_and_every_page_is_small() {
    let shape = Hub {
        callers: 10_000,
        test_callers: 300,
        second_level: 0,
        modules: 40,
    };
    let (p, hub) = hub_and_pack(shape);

    let first = impact(&p, hub, 3, 0, 30);
    assert_eq!(first.page.total, 9_700, "callers less the tests");
    assert_eq!(first.by_depth, [9_700]);
    assert_eq!(first.affected.len(), 30);
    assert_eq!(first.page.next_offset, Some(30));
    assert_eq!(first.tests_total, 300);
    assert_eq!(first.tests.len(), 20, "tests are listed up to 20");
    assert!(first.modules.len() <= 20 && first.modules[0].1 >= 9_700 / 40);
    assert!(!first.truncated);
    let text = render::impact(&first);
    assert!(text.len() < 6_000, "{} bytes:\n{text}", text.len());
    assert!(text.contains("9700 symbols"), "{text}");

    // Walking every page lists each caller once.
    let mut seen = HashSet::new();
    let mut offset = Some(0);
    while let Some(at) = offset {
        let page = impact(&p, hub, 3, at, 100);
        assert!(page.affected.len() <= 100);
        for a in &page.affected {
            assert!(seen.insert(a.symbol.id.clone()), "{} twice", a.symbol.id);
        }
        offset = page.page.next_offset;
    }
    assert_eq!(seen.len(), 9_700);

    // A page past the end is empty, not an error.
    assert!(impact(&p, hub, 3, 50_000, 30).affected.is_empty());
}

#[test]
fn a_walk_past_the_visit_bound_stops_and_says_so() {
    let (p, hub) = hub_and_pack(Hub {
        callers: 10_000,
        test_callers: 0,
        second_level: 15_000,
        modules: 10,
    });
    let one = impact(&p, hub, 1, 0, 10);
    assert!(!one.truncated);
    assert_eq!(one.page.total, 10_000);
    let deep = impact(&p, hub, 5, 0, 10);
    assert!(deep.truncated, "25,000 reachable symbols pass the bound");
    assert!(deep.page.total <= doctown_query::impact::MAX_VISITED);
    assert_eq!(deep.by_depth[0], 10_000, "the nearest are all there");
    assert!(render::impact(&deep).contains("walk cut short"));
}
