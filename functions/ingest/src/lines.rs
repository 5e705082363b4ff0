//! Byte offsets to 1-based lines and 0-based byte columns.

use doctown_core::{ByteRange, Position, Span};

pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    pub fn position(&self, offset: usize) -> Position {
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        Position {
            line: line as u32 + 1,
            column: (offset - self.starts[line]) as u32,
        }
    }

    /// The span of a range; an end just after a newline stays on that line.
    pub fn span(&self, bytes: ByteRange) -> Span {
        let end_offset = if bytes.end > bytes.start {
            bytes.end - 1
        } else {
            bytes.end
        };
        let mut end = self.position(end_offset);
        if bytes.end > bytes.start {
            end.column += 1;
        }
        Span {
            bytes,
            start: self.position(bytes.start),
            end,
        }
    }

    pub fn line_count(&self) -> u32 {
        self.starts.len() as u32
    }
}
