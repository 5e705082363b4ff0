//! Identifier tokens for name matching; the tokenizer lives in
//! `doctown-core` so that extraction (a symbol's words) and readers split
//! text the same way.

pub use doctown_core::words::tokens;
