//! SCIP index input (`--scip FILE` or a root `index.scip`):
//! `doctown_extract::parse_scip`, then `descriptor_name` on every symbol it
//! read and `apply_scip` over the symbols of the Python fixture the seed
//! index was made for (`common/extract/tests/fixtures/scip_py`).
//!
//! Checks: no panic; an error has a message; applying never adds a call to
//! a symbol that is not in the repository.

#![no_main]

use doctown_core::{Import, Language, Symbol};
use doctown_extract::{
    apply_scip, descriptor_name, parse_scip, resolve_calls, Extractor, ProjectLayout,
};
use libfuzzer_sys::fuzz_target;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

const FILES: [(&str, &str); 3] = [
    (
        "shop/__init__.py",
        include_str!("../../common/extract/tests/fixtures/scip_py/shop/__init__.py"),
    ),
    (
        "shop/store.py",
        include_str!("../../common/extract/tests/fixtures/scip_py/shop/store.py"),
    ),
    (
        "shop/service.py",
        include_str!("../../common/extract/tests/fixtures/scip_py/shop/service.py"),
    ),
];

fn symbols() -> &'static Vec<Symbol> {
    static SYMBOLS: OnceLock<Vec<Symbol>> = OnceLock::new();
    SYMBOLS.get_or_init(|| {
        let layout = Arc::new(ProjectLayout::default());
        let mut extractor = Extractor::with_layout(layout.clone());
        let mut all = Vec::new();
        let mut imports: HashMap<String, Vec<Import>> = HashMap::new();
        for (path, source) in FILES {
            let e = extractor.extract(path, Language::Python, source);
            imports.insert(path.to_string(), e.imports);
            all.extend(e.symbols);
        }
        resolve_calls(&mut all, &imports, &layout);
        all
    })
}

fuzz_target!(|data: &[u8]| {
    let index = match parse_scip(data) {
        Ok(index) => index,
        Err(e) => {
            assert!(!e.to_string().trim().is_empty(), "empty error message");
            return;
        }
    };
    for doc in &index.documents {
        for occ in &doc.occurrences {
            let _ = descriptor_name(&occ.symbol);
        }
    }
    let mut symbols = symbols().clone();
    let ids: HashSet<String> = symbols.iter().map(|s| s.id.to_string()).collect();
    let _stats = apply_scip(&mut symbols, &index);
    for s in &symbols {
        for c in &s.calls {
            if let Some(target) = &c.resolved {
                assert!(
                    ids.contains(&target.to_string()),
                    "a call links to {target}, which is not a repository symbol"
                );
            }
        }
    }
});
