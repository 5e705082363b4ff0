//! Identifier tokens for name matching: `parseHTTPRequest`, `parse_http_request`
//! and `ParseHttp::request` all give `parse`, `http`, `request`.

/// Lowercase word tokens of an identifier or query: split on every
/// non-alphanumeric character and on case changes (`aB` and `ABc` → `A|Bc`);
/// digits stay attached to the word they follow.
pub fn tokens(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            flush(&mut cur, &mut out);
            continue;
        }
        if let Some(&prev) = i.checked_sub(1).and_then(|p| chars.get(p)) {
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let boundary = c.is_uppercase()
                && (prev.is_lowercase()
                    || prev.is_ascii_digit()
                    || (prev.is_uppercase() && next_lower));
            if boundary {
                flush(&mut cur, &mut out);
            }
        }
        cur.extend(c.to_lowercase());
    }
    flush(&mut cur, &mut out);
    out
}

fn flush(cur: &mut String, out: &mut Vec<String>) {
    if !cur.is_empty() {
        out.push(std::mem::take(cur));
    }
}

#[cfg(test)]
mod tests {
    use super::tokens;

    #[test]
    fn splits_identifiers() {
        assert_eq!(tokens("parseHTTPRequest"), ["parse", "http", "request"]);
        assert_eq!(tokens("parse_http_request"), ["parse", "http", "request"]);
        assert_eq!(tokens("ParseHttp::request"), ["parse", "http", "request"]);
        assert_eq!(tokens("utf8Decode v2"), ["utf8", "decode", "v2"]);
        assert!(tokens("::").is_empty());
    }
}
