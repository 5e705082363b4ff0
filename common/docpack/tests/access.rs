//! The random-access layout (1.6): `access.bin` written beside the parts,
//! a docpack opened in place answering exactly what the whole docpack
//! says, and damaged or older files refused with one line naming the part.

mod common;

use common::fixture::fixture;
use doctown_docpack::access::{self, id_number, AccessIndex, REFERENCE};
use doctown_docpack::*;
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// The fixture with canonical ids and `n` more symbols, each calling the
/// next three (every fifth a reference, every seventh edge a guess), every
/// fourth in a module of its own, with doc comments long enough that
/// `nodes.json` spans many blocks.
fn canonical(n: usize) -> DocpackInput {
    let mut input = fixture();
    let rename: std::collections::HashMap<String, String> = input
        .nodes
        .symbols
        .iter()
        .enumerate()
        .map(|(i, s)| {
            (
                s.id.clone(),
                format!("sym_{:016x}", 0xf000_0000_0000_0000u64 + i as u64),
            )
        })
        .collect();
    let fix = |id: &mut String| {
        if let Some(new) = rename.get(id.as_str()) {
            *id = new.clone();
        }
    };
    for s in &mut input.nodes.symbols {
        fix(&mut s.id);
        if let Some(p) = &mut s.parent {
            fix(p);
        }
    }
    for e in &mut input.graph.edges {
        fix(&mut e.from);
        fix(&mut e.to);
    }
    for g in &mut input.graph.nodes {
        fix(&mut g.id);
    }
    for c in &mut input.clusters.clusters {
        c.members.iter_mut().for_each(fix);
    }
    for m in &mut input.docs.modules {
        m.symbols.iter_mut().for_each(fix);
    }
    for f in &mut input.source_map.files {
        for c in &mut f.chunks {
            c.symbol_ids.iter_mut().for_each(fix);
        }
    }
    if let Some(ctx) = &mut input.symbol_contexts {
        ctx.contexts.iter_mut().for_each(|c| fix(&mut c.symbol_id));
    }
    let template = input.nodes.symbols[1].clone();
    let node = input
        .graph
        .nodes
        .iter()
        .find(|g| g.id == template.id)
        .unwrap()
        .clone();
    let id = |i: usize| {
        format!(
            "sym_{:016x}",
            (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 4
        )
    };
    for i in 0..n {
        let mut s = template.clone();
        s.id = id(i);
        s.name = format!("Handler{}", i % 50);
        s.qualified_name = format!("kv::scaled::m{}::Handler{}", i % 9, i);
        s.path = format!("src/scaled/m{}.rs", i % 9);
        s.range.start_line = 10 + i as u32;
        s.cluster = None;
        s.parent = None;
        s.doc_comment = Some(format!("Handles request {i}: {}", "word ".repeat(i % 300)));
        s.role = (i % 11 == 0).then_some(doctown_core::FileRole::Test);
        input.nodes.symbols.push(s);
        let mut g = node.clone();
        g.id = id(i);
        input.graph.nodes.push(g);
        for k in 1..=3 {
            let mut e = input
                .graph
                .edges
                .iter()
                .find(|e| e.kind == EdgeKind::Calls)
                .unwrap()
                .clone();
            e.from = id(i);
            e.to = id((i + k) % n);
            e.kind = if (i + k) % 5 == 0 {
                EdgeKind::References
            } else {
                EdgeKind::Calls
            };
            e.confidence = ((i + k) % 7 == 0).then_some(0.5);
            input.graph.edges.push(e);
        }
    }
    input
}

fn written(input: &DocpackInput) -> (tempfile::TempDir, PathBuf, Docpack) {
    let encoded = encode_docpack(input).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.docpack");
    std::fs::write(&path, &encoded.bytes).unwrap();
    let whole = read_docpack(&path).unwrap();
    (dir, path, whole)
}

/// The confident calls/references out of each symbol, as the graph says.
fn confident_out(d: &Docpack) -> Vec<BTreeSet<(String, bool)>> {
    d.nodes
        .symbols
        .iter()
        .map(|s| {
            d.graph
                .edges
                .iter()
                .filter(|e| e.from == s.id && e.to != s.id && e.is_confident())
                .filter(|e| matches!(e.kind, EdgeKind::Calls | EdgeKind::References))
                .filter(|e| d.nodes.symbols.iter().any(|t| t.id == e.to))
                .map(|e| (e.to.clone(), e.kind == EdgeKind::References))
                .collect()
        })
        .collect()
}

#[test]
fn an_opened_docpack_answers_what_the_whole_one_says() {
    let (_dir, path, whole) = written(&canonical(3000));
    let access = Access::open_with(&path, 1 << 20).unwrap();
    let index = &access.index;
    assert!(index.blocks.len() > 8, "{} blocks", index.blocks.len());
    assert_eq!(index.rows.len(), whole.nodes.symbols.len());
    for (i, s) in whole.nodes.symbols.iter().enumerate() {
        assert_eq!(&access.symbol(i as u32).unwrap(), s);
        assert_eq!(index.find(&s.id), Some(i as u32));
        assert_eq!(index.names.get(i), s.name);
        assert_eq!(index.qualified_name(i as u32), s.qualified_name);
        assert_eq!(index.files.get(index.rows[i].file as usize), s.path);
        assert_eq!(index.kind(i as u32), Some(s.kind));
        assert_eq!(index.role(i as u32), s.role);
        assert!(index.named(&s.name.to_uppercase()).contains(&(i as u32)));
    }
    let ids = |l: &[u32]| -> BTreeSet<(String, bool)> {
        l.iter()
            .map(|&t| {
                (
                    whole.nodes.symbols[(t & !REFERENCE) as usize].id.clone(),
                    t & REFERENCE != 0,
                )
            })
            .collect()
    };
    let out = confident_out(&whole);
    let mut into = vec![BTreeSet::new(); out.len()];
    for (i, targets) in out.iter().enumerate() {
        assert_eq!(ids(index.out.of(i)), *targets, "out of {i}");
        for (t, r) in targets {
            into[index.find(t).unwrap() as usize].insert((whole.nodes.symbols[i].id.clone(), *r));
        }
    }
    for (i, sources) in into.iter().enumerate() {
        assert_eq!(ids(index.into.of(i)), *sources, "into {i}");
    }
    let docs: Docs = serde_json::from_slice(&access.entry_bytes("docs.json").unwrap()).unwrap();
    assert_eq!(docs, whole.docs);
    for (m, module) in docs.modules.iter().enumerate() {
        for &s in index.members.of(m) {
            assert_eq!(index.rows[s as usize].module, m as u32, "{}", module.id);
        }
        // A symbol a module lists is that module's (§4.6), whatever its file.
        for id in &module.symbols {
            let i = index.find(id).unwrap() as usize;
            let first = docs.modules.iter().position(|d| d.symbols.contains(id));
            assert_eq!(Some(index.rows[i].module as usize), first, "{id}");
        }
    }
    let listed = index
        .rows
        .iter()
        .filter(|r| r.module != access::NO_MODULE)
        .count();
    assert_eq!(index.members.total(), listed);
    // The cache stays within its budget.
    assert!(access.heap_bytes() < index.heap_bytes() + (2 << 20));
    assert!(verify(&path).is_ok());
}

#[test]
fn a_docpack_with_an_id_not_canonical_has_no_index_and_says_so() {
    let (_dir, path, whole) = written(&fixture());
    assert!(!whole
        .manifest
        .checksum
        .entries
        .iter()
        .any(|e| e.name == "access.bin"));
    let e = Access::open(&path).unwrap_err().to_string();
    assert!(
        e.contains("not in the random-access layout") && e.contains("upgrade"),
        "{e}"
    );
}

#[test]
fn damage_is_named_never_read_past() {
    let (dir, path, _) = written(&canonical(1500));
    let bytes = std::fs::read(&path).unwrap();
    let opened = Access::open(&path).unwrap();
    let last = opened.index.rows.len() as u32 - 1;
    drop(opened);
    let damaged = dir.path().join("d.docpack");
    // A truncated file.
    for keep in [5, 40, bytes.len() / 2, bytes.len() - 9] {
        std::fs::write(&damaged, &bytes[..keep]).unwrap();
        let e = Access::open(&damaged).map(|_| ()).unwrap_err().to_string();
        assert!(!e.is_empty() && !e.contains('\n'), "{e}");
    }
    // A byte changed late in the file: the block holding it fails its
    // checksum when read, and says which part it is in.
    let mut flipped = bytes.clone();
    let at = bytes.len() - 5000;
    flipped[at] ^= 0x55;
    std::fs::write(&damaged, &flipped).unwrap();
    match Access::open(&damaged) {
        Err(e) => assert!(!e.to_string().contains('\n')),
        Ok(a) => {
            let all = (0..=last)
                .try_for_each(|i| a.symbol(i).map(|_| ()))
                .and_then(|()| a.read(0, a.index.body_len).map(|_| ()));
            let e = all.unwrap_err().to_string();
            assert!(
                e.contains("fails its checksum") || e.contains("ends nowhere"),
                "{e}"
            );
        }
    }
}

#[test]
fn a_docpack_before_1_6_is_refused_by_name() {
    let (_dir, path, _) = written(&canonical(10));
    let encoded = read_entries_of(&path);
    let kept: Vec<(String, Vec<u8>)> = encoded
        .into_iter()
        .filter(|(n, _)| n != "access.bin")
        .collect();
    let mut kept = kept;
    common::edit_manifest(&mut kept, |m| m["schema_version"] = "docpack/1.5".into());
    let old = common::repack(kept, true);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("old.docpack");
    std::fs::write(&p, old).unwrap();
    assert!(read_docpack(&p).is_ok());
    let e = Access::open(&p).unwrap_err().to_string();
    assert!(e.contains("no access.bin"), "{e}");
}

fn read_entries_of(path: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(
        std::fs::File::open(path).unwrap(),
    ));
    for e in tar.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().to_string_lossy().into_owned();
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut b).unwrap();
        out.push((name, b));
    }
    out
}

#[test]
fn an_index_whose_rows_disagree_with_the_symbols_is_refused() {
    let (_dir, path, _) = written(&canonical(20));
    let mut entries = read_entries_of(&path);
    let (_, bytes) = entries.iter_mut().find(|(n, _)| n == "access.bin").unwrap();
    let mut index = AccessIndex::from_bytes(bytes).unwrap();
    let mut short = index.clone();
    short.rows.pop();
    assert!(AccessIndex::from_bytes(&short.to_bytes()).is_err());
    // A well-formed index whose last row names a symbol that is not there.
    index.rows.last_mut().unwrap().id += 1;
    *bytes = index.to_bytes();
    let damaged = common::repack(entries, true);
    let e = read_docpack_bytes(&damaged, &ReadLimits::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("access.bin"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.docpack");
    std::fs::write(&path, &damaged).unwrap();
    let e = verify(&path).unwrap_err().to_string();
    assert!(e.contains("access.bin"), "{e}");
    let opened = Access::open(&path).unwrap();
    let last = opened.index.rows.len() as u32 - 1;
    let e = opened.symbol(last).unwrap_err().to_string();
    assert!(e.contains("access.bin"), "{e}");
}

static SMALL_INDEX: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(|| {
    let (_dir, path, _) = written(&canonical(30));
    let entries = read_entries_of(&path);
    entries
        .into_iter()
        .find(|(n, _)| n == "access.bin")
        .unwrap()
        .1
});

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    /// Any damage to an index is refused or decoded, never a panic.
    #[test]
    fn a_damaged_index_never_panics(cuts in proptest::collection::vec((0usize..4000, any::<u8>()), 1..6), keep in 0usize..5000) {
        let mut damaged = SMALL_INDEX.clone();
        for (at, b) in cuts {
            let n = damaged.len();
            damaged[at % n] = b;
        }
        // Half the cases cut the index short too.
        if keep % 2 == 1 {
            damaged.truncate(keep.min(damaged.len()));
        }
        let _ = AccessIndex::from_bytes(&damaged);
    }
}

static SMALL_FILE: std::sync::LazyLock<Vec<u8>> =
    std::sync::LazyLock::new(|| encode_docpack(&canonical(400)).unwrap().bytes);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    /// Any damage to the file is refused on open or on read with one
    /// line, never a panic, never more bytes than asked.
    #[test]
    fn a_damaged_file_is_refused_in_one_line(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..4), keep in any::<usize>()) {
        let mut bytes = SMALL_FILE.clone();
        for (at, b) in flips {
            let n = bytes.len();
            bytes[at % n] ^= b | 1;
        }
        let keep = if keep % 3 == 0 { keep % bytes.len() } else { bytes.len() };
        bytes.truncate(keep);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.docpack");
        std::fs::write(&path, &bytes).unwrap();
        let one_line = |e: DocpackError| { let m = e.to_string(); assert!(!m.is_empty() && !m.contains('\n'), "{m}"); };
        match Access::open_with(&path, 1 << 16) {
            Ok(a) => {
                for i in 0..a.index.rows.len() as u32 {
                    if let Err(e) = a.symbol(i) { one_line(e) }
                }
                match a.read(0, a.index.body_len) {
                    Ok(b) => prop_assert_eq!(b.len() as u64, a.index.body_len),
                    Err(e) => one_line(e),
                }
            }
            Err(e) => one_line(e),
        }
    }
}

#[test]
fn ids_are_numbers_only_when_canonical() {
    assert_eq!(id_number("sym_00000000000000ff"), Some(255));
    for bad in [
        "sym_ff",
        "sym_00000000000000FF",
        "chk_00000000000000ff",
        "sym_0000000000000+ff",
    ] {
        assert_eq!(id_number(bad), None, "{bad}");
    }
}
