//! Packing items into requests under the token budget: a request's prompt
//! tokens (system prompt, wrapper and every item's block, counted with the
//! model's tokenizer) plus the completion tokens reserved for its answers
//! stay within `batch_tokens`, and it holds at most `max_batch_items`.
//! Items keep their order (most important first), so the first requests
//! carry the most important symbols.

use crate::config::GenerateConfig;
use crate::model::ChatRequest;
use crate::prompt::{answer_schema, user_message, ItemKind};
use crate::tokens::TokenCounter;
use crate::work_item::WorkItem;

/// Tokens an item's id adds to its block in a request (`"id":"s12",` and a comma).
const ID_OVERHEAD: usize = 8;

/// One request's items, by index into the packed slice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub kind: ItemKind,
    pub items: Vec<usize>,
    /// The request's prompt tokens, counted on the built request.
    pub prompt_tokens: usize,
    /// Completion tokens reserved (`max_tokens`).
    pub max_tokens: u32,
}

/// The short id of the `n`th (0-based) item of a request: `s1`, `m3`, `a1`.
pub fn local_id(kind: ItemKind, n: usize) -> String {
    format!("{}{}", kind.id_prefix(), n + 1)
}

/// The request for these items (`(local id, block)` pairs).
pub fn build_request(kind: ItemKind, items: &[(String, &str)]) -> ChatRequest {
    let reserve = kind.completion_reserve() * items.len() + 16;
    ChatRequest {
        system: kind.system_prompt(),
        user: user_message(kind, items),
        max_tokens: reserve.min(u32::MAX as usize) as u32,
        schema: answer_schema(),
    }
}

/// Prompt tokens of a request.
pub fn request_tokens(counter: &TokenCounter, request: &ChatRequest) -> usize {
    counter.chat(&[&request.system, &request.user])
}

fn built(kind: ItemKind, items: &[&WorkItem], indices: &[usize]) -> ChatRequest {
    let pairs: Vec<(String, &str)> = indices
        .iter()
        .enumerate()
        .map(|(n, i)| (local_id(kind, n), items[*i].block.as_str()))
        .collect();
    build_request(kind, &pairs)
}

/// Packs items of one kind into batches, in order.
pub fn pack(
    kind: ItemKind,
    items: &[&WorkItem],
    config: &GenerateConfig,
    counter: &TokenCounter,
) -> Vec<Batch> {
    let base = request_tokens(counter, &build_request(kind, &[]));
    let reserve = kind.completion_reserve();
    let mut batches = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    let mut estimate = base + 16;
    for (i, item) in items.iter().enumerate() {
        let cost = item.tokens + ID_OVERHEAD + reserve;
        if !current.is_empty()
            && (estimate + cost > config.batch_tokens || current.len() >= config.max_batch_items)
        {
            flush(
                kind,
                items,
                std::mem::take(&mut current),
                config,
                counter,
                &mut batches,
            );
            estimate = base + 16;
        }
        current.push(i);
        estimate += cost;
    }
    if !current.is_empty() {
        flush(kind, items, current, config, counter, &mut batches);
    }
    batches
}

/// Counts the built request; splits it in two while it is over budget.
fn flush(
    kind: ItemKind,
    items: &[&WorkItem],
    indices: Vec<usize>,
    config: &GenerateConfig,
    counter: &TokenCounter,
    out: &mut Vec<Batch>,
) {
    let request = built(kind, items, &indices);
    let prompt_tokens = request_tokens(counter, &request);
    if prompt_tokens + request.max_tokens as usize > config.batch_tokens && indices.len() > 1 {
        let (head, tail) = indices.split_at(indices.len() / 2);
        flush(kind, items, head.to_vec(), config, counter, out);
        flush(kind, items, tail.to_vec(), config, counter, out);
        return;
    }
    out.push(Batch {
        kind,
        items: indices,
        prompt_tokens,
        max_tokens: request.max_tokens,
    });
}
