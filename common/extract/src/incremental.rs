//! Reparsing a new version of a file from the syntax tree of an earlier
//! one: the two texts differ in one span (between their common prefix and
//! common suffix); tree-sitter is told of that edit and reuses every
//! subtree outside it. The result is the tree a full parse gives, in a
//! fraction of the time when the versions differ in a few lines (the
//! per-symbol history parses every version of every changed file).

use tree_sitter::{InputEdit, Point};

/// The single edit that turns `old` into `new`, or `None` when they are
/// equal.
pub fn edit_between(old: &[u8], new: &[u8]) -> Option<InputEdit> {
    if old == new {
        return None;
    }
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let room = old.len().min(new.len()) - prefix;
    let suffix = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take(room)
        .take_while(|(a, b)| a == b)
        .count();
    let (old_end, new_end) = (old.len() - suffix, new.len() - suffix);
    Some(InputEdit {
        start_byte: prefix,
        old_end_byte: old_end,
        new_end_byte: new_end,
        start_position: point(old, prefix),
        old_end_position: point(old, old_end),
        new_end_position: point(new, new_end),
    })
}

/// The row and byte column of `offset` in `text`.
fn point(text: &[u8], offset: usize) -> Point {
    let before = &text[..offset];
    let row = before.iter().filter(|&&b| b == b'\n').count();
    let column = match before.iter().rposition(|&b| b == b'\n') {
        Some(newline) => offset - newline - 1,
        None => offset,
    };
    Point::new(row, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_edit_spans_what_differs() {
        assert!(edit_between(b"same", b"same").is_none());
        let e = edit_between(b"fn a() {\n    1\n}\n", b"fn a() {\n    22\n}\n").unwrap();
        assert_eq!((e.start_byte, e.old_end_byte, e.new_end_byte), (13, 14, 15));
        assert_eq!(e.start_position, Point::new(1, 4));
        assert_eq!(e.old_end_position, Point::new(1, 5));
        assert_eq!(e.new_end_position, Point::new(1, 6));
        // An insertion at the end, and a text that only shrinks.
        let e = edit_between(b"ab", b"abc\nd").unwrap();
        assert_eq!((e.start_byte, e.old_end_byte, e.new_end_byte), (2, 2, 5));
        assert_eq!(e.new_end_position, Point::new(1, 1));
        let e = edit_between(b"aXa", b"aa").unwrap();
        assert_eq!((e.start_byte, e.old_end_byte, e.new_end_byte), (1, 2, 1));
    }
}
