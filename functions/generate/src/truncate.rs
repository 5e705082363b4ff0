//! Per-item prompt truncation: a block over the limit loses its least
//! important facts first, one step at a time, until it fits: related
//! symbols, imports, external calls, callers beyond 3, the doc comment
//! beyond its first paragraph, callees beyond 3, the doc beyond its first
//! sentence, then the long tail (signature, doc, lists), and finally a hard
//! cut of any field still too long.

use crate::prompt::{block_json, SymbolBlock};
use crate::tokens::TokenCounter;

/// What truncation dropped, in order.
pub type Dropped = Vec<&'static str>;

type Step = (&'static str, fn(&mut SymbolBlock));

const STEPS: [Step; 13] = [
    ("related", |b| b.related.clear()),
    ("imports", |b| b.imports.clear()),
    ("external_calls", |b| b.external_calls.truncate(3)),
    ("called_by>3", |b| b.called_by.truncate(3)),
    ("doc>paragraph", |b| {
        b.doc = b.doc.as_deref().map(first_paragraph)
    }),
    ("calls>3", |b| b.calls.truncate(3)),
    ("external_calls", |b| b.external_calls.clear()),
    ("doc>sentence", |b| {
        b.doc = b.doc.as_deref().map(first_sentence)
    }),
    ("implements>2", |b| b.implements.truncate(2)),
    ("called_by>1", |b| b.called_by.truncate(1)),
    ("calls>1", |b| b.calls.truncate(1)),
    ("signature>300", |b| {
        b.signature = cut_chars(&b.signature, 300)
    }),
    ("doc", |b| b.doc = None),
];

fn first_paragraph(doc: &str) -> String {
    doc.trim()
        .split("\n\n")
        .next()
        .unwrap_or("")
        .trim()
        .to_string()
}

fn first_sentence(doc: &str) -> String {
    let text = doc.trim();
    match text.find(". ") {
        Some(i) => text[..=i].to_string(),
        None => text.lines().next().unwrap_or("").to_string(),
    }
}

fn cut_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max).collect();
    cut.push('…');
    cut
}

/// Cuts a block to at most `limit` tokens of JSON; returns what it dropped.
pub fn truncate_block(block: &mut SymbolBlock, counter: &TokenCounter, limit: usize) -> Dropped {
    let fits = |b: &SymbolBlock| counter.count(&block_json(b)) <= limit;
    let mut dropped = Vec::new();
    if fits(block) {
        return dropped;
    }
    for (name, step) in STEPS {
        let before = block.clone();
        step(block);
        if *block != before {
            dropped.push(name);
        }
        if fits(block) {
            return dropped;
        }
    }
    // Still too long: names or signatures of absurd length. Cut every text
    // field to a share of the limit, then lists to nothing.
    let share = (limit / 6).max(8);
    for field in [
        &mut block.signature,
        &mut block.name,
        &mut block.location,
        &mut block.kind,
    ] {
        *field = counter.truncate(field, share);
    }
    for field in [&mut block.parent, &mut block.cluster, &mut block.role]
        .into_iter()
        .flatten()
    {
        *field = counter.truncate(field, share / 2);
    }
    block.calls.clear();
    block.called_by.clear();
    block.implements.clear();
    block.external_calls.clear();
    if !fits(block) {
        block.signature.clear();
        block.name = counter.truncate(&block.name, 8);
        block.location = counter.truncate(&block.location, 8);
    }
    dropped.push("hard_cut");
    dropped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big_block() -> SymbolBlock {
        SymbolBlock {
            name: "Store::get".into(),
            kind: "method".into(),
            language: "rust".into(),
            location: "src/store.rs:1-20".into(),
            signature: "pub fn get(&self, key: &str) -> Option<Object>".into(),
            doc: Some(format!(
                "Reads an object. More here.\n\n{}",
                "Long explanation of details. ".repeat(300)
            )),
            calls: (0..10).map(|i| format!("callee_{i}")).collect(),
            called_by: (0..10).map(|i| format!("caller_{i}")).collect(),
            imports: (0..10).map(|i| format!("module_{i}")).collect(),
            related: vec!["a".into(), "b".into(), "c".into()],
            centrality: 0.5,
            ..Default::default()
        }
    }

    #[test]
    fn drops_least_important_first() {
        let counter = TokenCounter::for_model("gpt-4o-mini");
        let mut block = big_block();
        let dropped = truncate_block(&mut block, &counter, 300);
        assert!(counter.count(&block_json(&block)) <= 300);
        assert_eq!(&dropped[..2], &["related", "imports"]);
        assert!(dropped.contains(&"doc>paragraph"));
        assert_eq!(block.doc.as_deref(), Some("Reads an object. More here."));
        assert_eq!(
            block.called_by.len(),
            3,
            "callers beyond 3 go before the doc's first paragraph"
        );
        assert_eq!(block.calls.len(), 10, "callees stay while the block fits");
    }

    #[test]
    fn absurd_fields_are_cut_hard() {
        let counter = TokenCounter::for_model("gpt-4o-mini");
        let mut block = SymbolBlock {
            name: "x".repeat(50_000),
            signature: "y ".repeat(20_000),
            ..big_block()
        };
        let dropped = truncate_block(&mut block, &counter, 200);
        assert_eq!(dropped.last(), Some(&"hard_cut"));
        assert!(
            counter.count(&block_json(&block)) <= 200,
            "{}",
            counter.count(&block_json(&block))
        );
        let mut small = SymbolBlock {
            name: "f".into(),
            ..Default::default()
        };
        assert!(truncate_block(&mut small, &counter, 200).is_empty());
    }
}
