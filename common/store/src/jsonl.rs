//! JSON Lines objects read a block of lines at a time, each block parsed
//! on every core, so that neither an object's bytes nor all its items are
//! ever in memory at once (a kernel's artifacts are gigabytes). Blank lines
//! are skipped; an error names the object and the line.

use crate::{ObjectStore, StoreError};
use rayon::prelude::*;
use std::io::{BufRead, BufReader, Lines, Read};

/// Lines per block.
pub const BLOCK_LINES: usize = 8192;

/// A JSON Lines object being read block by block.
pub struct JsonlBlocks {
    key: String,
    lines: Lines<BufReader<Box<dyn Read + Send>>>,
    /// Lines read, blank ones included: errors name the line.
    line: usize,
    /// Items handed out: each item's position among them.
    items: usize,
}

/// One line of a [`JsonlBlocks`] block.
#[derive(Debug, Clone)]
pub struct BlockLine {
    /// The item's position in the object (blank lines not counted).
    pub at: usize,
    /// The line's number (from 1), for errors.
    pub number: usize,
    pub text: String,
}

impl JsonlBlocks {
    /// Opens an object; `None` when the key does not exist.
    pub fn open(store: &dyn ObjectStore, key: &str) -> Result<Option<JsonlBlocks>, StoreError> {
        Ok(store.get_stream(key)?.map(|reader| JsonlBlocks {
            key: key.to_string(),
            lines: BufReader::with_capacity(1 << 20, reader).lines(),
            line: 0,
            items: 0,
        }))
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    /// The next block of lines (blank ones skipped), each with its
    /// position among the items and its line number; `None` at the end.
    pub fn next_lines(&mut self) -> Result<Option<Vec<BlockLine>>, StoreError> {
        let mut block: Vec<BlockLine> = Vec::with_capacity(BLOCK_LINES);
        for line in self.lines.by_ref() {
            self.line += 1;
            let text = line.map_err(|e| StoreError::io(&self.key, e))?;
            if !text.trim().is_empty() {
                block.push(BlockLine {
                    at: self.items + block.len(),
                    number: self.line,
                    text,
                });
                if block.len() == BLOCK_LINES {
                    break;
                }
            }
        }
        self.items += block.len();
        Ok((!block.is_empty()).then_some(block))
    }

    /// The next block's items, each line made into one by `parse` (given
    /// the item's position and the line) on every core, in order; `None`
    /// at the end. A line `parse` refuses is [`StoreError::Corrupt`],
    /// naming it.
    pub fn next_block_by<U: Send>(
        &mut self,
        parse: &(impl Fn(usize, &str) -> serde_json::Result<U> + Sync),
    ) -> Result<Option<Vec<U>>, StoreError> {
        let Some(block) = self.next_lines()? else {
            return Ok(None);
        };
        let key = self.key.as_str();
        block
            .par_iter()
            .map(|line| parse(line.at, &line.text).map_err(|e| bad_line(key, line.number, e)))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// The next block's items, each line parsed as a `T` and given to
    /// `map` with its position (see [`JsonlBlocks::next_block_by`]).
    pub fn next_block<T, U>(
        &mut self,
        map: &(impl Fn(usize, T) -> U + Sync),
    ) -> Result<Option<Vec<U>>, StoreError>
    where
        T: serde::de::DeserializeOwned,
        U: Send,
    {
        self.next_block_by(&|at, text| serde_json::from_str::<T>(text).map(|item| map(at, item)))
    }
}

/// [`StoreError::Corrupt`] for line `number` of `key`.
pub fn bad_line(key: &str, number: usize, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        key: key.to_string(),
        message: format!("line {number}: {e}"),
    }
}

/// Reads a JSON Lines object block by block and keeps what `keep` makes of
/// each item, in order. `None` when the key does not exist.
pub fn stream_jsonl<T, U>(
    store: &dyn ObjectStore,
    key: &str,
    keep: impl Fn(T) -> U + Sync,
) -> Result<Option<Vec<U>>, StoreError>
where
    T: serde::de::DeserializeOwned,
    U: Send,
{
    let Some(mut blocks) = JsonlBlocks::open(store, key)? else {
        return Ok(None);
    };
    let mut kept = Vec::new();
    while let Some(block) = blocks.next_block(&|_, item: T| keep(item))? {
        kept.extend(block);
    }
    Ok(Some(kept))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryStore;

    /// Blocks of [`BLOCK_LINES`] items whatever the blank lines among them;
    /// each line knows its item's position and its own number.
    #[test]
    fn lines_come_in_full_blocks_with_their_positions_and_numbers() {
        let store = MemoryStore::new();
        let mut text = String::from("\n");
        for i in 0..BLOCK_LINES + 3 {
            text.push_str(&format!("{i}\n"));
            if i % 2 == 0 {
                text.push_str(" \t\n");
            }
        }
        store.put("n.jsonl", text.as_bytes()).unwrap();
        let mut blocks = JsonlBlocks::open(&store, "n.jsonl").unwrap().unwrap();
        let first = blocks.next_lines().unwrap().unwrap();
        let second = blocks.next_lines().unwrap().unwrap();
        assert!(blocks.next_lines().unwrap().is_none());
        assert_eq!((first.len(), second.len()), (BLOCK_LINES, 3));
        for line in first.iter().chain(&second) {
            assert_eq!(line.text, line.at.to_string());
            // One blank line first, then one after every even item.
            assert_eq!(line.number, 2 + line.at + line.at.div_ceil(2));
        }
    }

    #[test]
    fn a_refused_line_is_named_with_the_object() {
        let store = MemoryStore::new();
        store.put("n.jsonl", b"1\n\n2\nx\n").unwrap();
        let mut blocks = JsonlBlocks::open(&store, "n.jsonl").unwrap().unwrap();
        let err = blocks.next_block(&|_, n: u32| n).unwrap_err().to_string();
        assert!(err.contains("n.jsonl") && err.contains("line 4"), "{err}");
        let mut blocks = JsonlBlocks::open(&store, "n.jsonl").unwrap().unwrap();
        let at = blocks
            .next_block_by(&|at, text| Ok((at, text.len())))
            .unwrap();
        assert_eq!(at, Some(vec![(0, 1), (1, 1), (2, 1)]));
        assert!(JsonlBlocks::open(&store, "missing").unwrap().is_none());
    }
}
