//! Each symbol's `words`: the vocabulary of its own code
//! ([`doctown_core::words::code_words`]), read from the file's text with
//! every nested symbol's range cut out, so each piece of code speaks for
//! the innermost symbol that holds it.

use doctown_core::words::{code_words, MAX_WORDS};
use doctown_core::Symbol;

/// Fills `words` for `symbols`, which are in source order (start byte,
/// outer before inner), as extraction leaves them.
pub(crate) fn fill_words(source: &str, symbols: &mut [Symbol]) {
    for i in 0..symbols.len() {
        let (start, end) = {
            let r = symbols[i].span.bytes;
            (r.start.min(source.len()), r.end.min(source.len()))
        };
        let mut pieces = Vec::new();
        let mut at = start;
        for inner in &symbols[i + 1..] {
            let r = inner.span.bytes;
            if r.start >= end {
                break;
            }
            let same_range = r.start == start && r.end >= end;
            if r.start < at || same_range || r.end > end {
                continue; // inside a cut already, the symbol's own range, or overlapping
            }
            pieces.push(source.get(at..r.start).unwrap_or(""));
            at = r.end;
        }
        pieces.push(source.get(at..end).unwrap_or(""));
        let s = &symbols[i];
        let known = [
            s.name.as_str(),
            s.signature.as_str(),
            s.doc.as_deref().unwrap_or(""),
        ];
        let words = code_words(pieces, &known, MAX_WORDS);
        symbols[i].words = words;
    }
}

#[cfg(test)]
mod tests {
    use crate::Extractor;
    use doctown_core::Language;

    fn words_of(language: Language, path: &str, source: &str) -> Vec<(String, String)> {
        Extractor::new()
            .extract(path, language, source)
            .symbols
            .into_iter()
            .map(|s| (s.name, s.words))
            .collect()
    }

    #[test]
    fn each_piece_of_code_speaks_for_its_innermost_symbol() {
        let source = r#"
class Cache:
    """Keeps recent answers."""
    limit = DEFAULT_LIMIT

    def fetch(self, key):
        """Looks a key up."""
        # expired entries are evicted first
        entry = self.entries.get(key)
        return entry.value if entry else fallback(key)
"#;
        let words = words_of(Language::Python, "cache.py", source);
        assert_eq!(
            words,
            [
                ("Cache".to_string(), String::new()),
                // The class attribute is its own symbol. `DEFAULT_LIMIT`:
                // `default` is a keyword (switch), not a word, and `limit`
                // is the symbol's name.
                ("limit".to_string(), String::new()),
                (
                    "fetch".to_string(),
                    "entry entries expired are evicted first get value fallback".to_string()
                ),
            ]
        );
    }

    #[test]
    fn rust_words_leave_out_keywords_and_the_signature() {
        let source = "/// Adds one.\npub fn bump(counter: &mut Counter) -> u64 {\n    let next = counter.value.checked_add(1).expect(\"counter overflow\");\n    counter.value = next;\n    next\n}\n";
        let words = words_of(Language::Rust, "src/lib.rs", source);
        assert_eq!(
            words,
            [(
                "bump".to_string(),
                "next value checked add expect overflow".to_string()
            )]
        );
    }
}
