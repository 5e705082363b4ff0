//! Token counting with tiktoken-rs, by the configured model's encoding.
//!
//! Models tiktoken knows use their own encoding (`o200k_base` for the
//! gpt-4o / gpt-4.1 / o-series family, `cl100k_base` for gpt-4 and
//! gpt-3.5); any other model (a local Llama, Qwen…) is counted with
//! `o200k_base`, which is close enough for budgets and estimates. The BPE
//! tables ship inside the crate: no network.

use tiktoken_rs::tokenizer::{get_tokenizer, Tokenizer};
use tiktoken_rs::{bpe_for_tokenizer, CoreBPE};

/// Tokens a chat message adds beyond its content (role, separators).
pub const PER_MESSAGE_TOKENS: usize = 4;
/// Tokens that prime the assistant's reply.
pub const REPLY_PRIMING_TOKENS: usize = 3;

/// Tokens of `text` as budgets count them (`--max-tokens` of `review` and
/// `context`, and their MCP tools): `o200k_base`, the encoding of the
/// gpt-4o family and the o-series.
pub fn budget_tokens(text: &str) -> usize {
    static COUNTER: std::sync::OnceLock<TokenCounter> = std::sync::OnceLock::new();
    COUNTER
        .get_or_init(|| TokenCounter::for_model("gpt-4o"))
        .count(text)
}

/// Counts tokens for one model.
#[derive(Clone, Copy)]
pub struct TokenCounter {
    bpe: &'static CoreBPE,
    encoding: &'static str,
}

impl std::fmt::Debug for TokenCounter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TokenCounter({})", self.encoding)
    }
}

impl TokenCounter {
    /// The counter of a model's encoding, `o200k_base` when unknown.
    pub fn for_model(model: &str) -> TokenCounter {
        let tokenizer = match get_tokenizer(model) {
            Some(t @ (Tokenizer::O200kBase | Tokenizer::Cl100kBase)) => t,
            Some(Tokenizer::O200kHarmony) => Tokenizer::O200kHarmony,
            _ if model.contains("gpt-4")
                && !model.contains("gpt-4o")
                && !model.contains("gpt-4.1") =>
            {
                Tokenizer::Cl100kBase
            }
            _ => Tokenizer::O200kBase,
        };
        let encoding = match tokenizer {
            Tokenizer::Cl100kBase => "cl100k_base",
            Tokenizer::O200kHarmony => "o200k_harmony",
            _ => "o200k_base",
        };
        // The singletons are built from tables inside the crate; this cannot fail.
        let bpe = bpe_for_tokenizer(tokenizer)
            .or_else(|_| bpe_for_tokenizer(Tokenizer::O200kBase))
            .unwrap_or_else(|_| tiktoken_rs::o200k_base_singleton());
        TokenCounter { bpe, encoding }
    }

    /// The encoding's name (`o200k_base`, `cl100k_base`).
    pub fn encoding(&self) -> &'static str {
        self.encoding
    }

    /// Tokens of a text, special tokens counted as text.
    pub fn count(&self, text: &str) -> usize {
        self.bpe.count_ordinary(text)
    }

    /// Prompt tokens of a chat request with these message contents.
    pub fn chat(&self, messages: &[&str]) -> usize {
        messages
            .iter()
            .map(|m| self.count(m) + PER_MESSAGE_TOKENS)
            .sum::<usize>()
            + REPLY_PRIMING_TOKENS
    }

    /// The longest prefix of `text` of at most `max` tokens.
    pub fn truncate(&self, text: &str, max: usize) -> String {
        let tokens = self.bpe.encode_ordinary(text);
        if tokens.len() <= max {
            return text.to_string();
        }
        let mut keep = max;
        loop {
            // A cut inside a multi-byte character does not decode; back off.
            match self.bpe.decode(&tokens[..keep]) {
                Ok(prefix) => return prefix,
                Err(_) if keep > 0 => keep -= 1,
                Err(_) => return String::new(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_by_model() {
        assert_eq!(
            TokenCounter::for_model("gpt-4o-mini").encoding(),
            "o200k_base"
        );
        assert_eq!(
            TokenCounter::for_model("gpt-4.1-mini").encoding(),
            "o200k_base"
        );
        assert_eq!(TokenCounter::for_model("gpt-4").encoding(), "cl100k_base");
        assert_eq!(
            TokenCounter::for_model("llama3.1:8b").encoding(),
            "o200k_base"
        );
    }

    #[test]
    fn counts_and_truncates() {
        let counter = TokenCounter::for_model("gpt-4o-mini");
        assert_eq!(counter.count("hello world"), 2);
        assert_eq!(counter.count(""), 0);
        let long = "naïve café ".repeat(100);
        let cut = counter.truncate(&long, 10);
        assert!(counter.count(&cut) <= 10 && !cut.is_empty());
        assert_eq!(counter.truncate("short", 10), "short");
        assert_eq!(
            counter.chat(&["a", "b"]),
            2 + 2 * PER_MESSAGE_TOKENS + REPLY_PRIMING_TOKENS
        );
    }
}
