//! The pieces every answer is made of: a symbol reference that cites
//! `path:line`, and text cut to a bounded length.

use crate::pack::Sym;
use crate::reader::Reader;
use serde::Serialize;

/// A symbol as answers name it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SymbolRef {
    pub id: String,
    /// The qualified name.
    pub name: String,
    pub kind: &'static str,
    pub path: String,
    pub line: u32,
}

impl SymbolRef {
    pub fn new<R: Reader + ?Sized>(p: &R, i: Sym) -> SymbolRef {
        p.symbol_ref(i)
    }

    /// `path:line`.
    pub fn cite(&self) -> String {
        format!("{}:{}", self.path, self.line)
    }
}

/// `text` cut to at most `max` characters at a character boundary, with
/// `…` when cut; whitespace runs become one space.
pub fn clip(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max + 3));
    let mut count = 0;
    for word in text.split_whitespace() {
        let extra = if out.is_empty() { 0 } else { 1 };
        let len = word.chars().count();
        if count + extra + len > max {
            let room = max.saturating_sub(count + extra);
            if room > 0 {
                if extra == 1 {
                    out.push(' ');
                }
                out.extend(word.chars().take(room));
            }
            out.push('…');
            return out;
        }
        if extra == 1 {
            out.push(' ');
        }
        out.push_str(word);
        count += extra + len;
    }
    out
}

/// A page of a longer list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Page {
    pub offset: usize,
    pub limit: usize,
    pub total: usize,
    /// The offset of the next page, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_offset: Option<usize>,
}

impl Page {
    /// The page of `total` items starting at `offset`, at most `limit` long.
    pub fn new(offset: usize, limit: usize, total: usize) -> Page {
        let end = offset.saturating_add(limit).min(total);
        Page {
            offset,
            limit,
            total,
            next_offset: (end < total).then_some(end),
        }
    }

    /// The range of items on this page.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.offset.min(self.total)..self.offset.saturating_add(self.limit).min(self.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_cuts_at_words_and_characters() {
        assert_eq!(clip("a  b\n c", 10), "a b c");
        assert_eq!(clip("hello world", 7), "hello w…");
        assert_eq!(clip("héllo", 2), "hé…");
        assert_eq!(clip("", 3), "");
    }

    #[test]
    fn pages_end_where_the_list_does() {
        let p = Page::new(40, 20, 50);
        assert_eq!((p.range(), p.next_offset), (40..50, None));
        let p = Page::new(0, 20, 50);
        assert_eq!((p.range(), p.next_offset), (0..20, Some(20)));
        assert_eq!(Page::new(99, 20, 50).range(), 50..50);
    }
}
