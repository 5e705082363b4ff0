//! Cutting a parsed file into chunks with stable ids.
//!
//! Rules:
//! - one chunk per symbol, except enum variants (they stay in their enum's
//!   chunk);
//! - on overlap the smaller, more specific range wins: a container (class,
//!   impl, trait, module) keeps its own text with each nested symbol's range
//!   replaced by `…`, so no source text is embedded twice;
//! - a chunk larger than `chunk_max_bytes` is split at statement boundaries
//!   (a line at the body's base indentation, or after a blank line), each part
//!   starting with the last `chunk_overlap_lines` lines of the previous one;
//! - a file with no symbols becomes one file-level chunk (split the same way);
//! - chunk id = hash of path, byte range and text (and the symbol's id, for
//!   symbols that share a range): same input, same ids.

use crate::lines::LineIndex;
use crate::options::IngestOptions;
use doctown_core::{ByteRange, Chunk, ChunkId, ChunkKind, Language, Span, Symbol, SymbolKind};

/// Marks where a nested symbol's text was left out of its container's chunk.
pub const ELIDED: &str = "…";

/// Chunks of one file, in source order.
pub fn chunk_file(
    path: &str,
    language: Language,
    source: &str,
    symbols: &[Symbol],
    options: &IngestOptions,
) -> Vec<Chunk> {
    let lines = LineIndex::new(source);
    let chunkable: Vec<&Symbol> = symbols
        .iter()
        .filter(|s| s.kind != SymbolKind::Variant)
        .collect();
    let mut chunks = Vec::new();
    if chunkable.is_empty() {
        if !source.trim().is_empty() {
            let range = ByteRange {
                start: 0,
                end: source.len(),
            };
            push_split(
                &mut chunks,
                path,
                language,
                source,
                range,
                None,
                &lines,
                options,
            );
        }
        return chunks;
    }
    for symbol in &chunkable {
        let range = clamp(symbol.span.bytes, source);
        let nested = nested_ranges(symbol, &chunkable);
        if nested.is_empty() {
            push_split(
                &mut chunks,
                path,
                language,
                source,
                range,
                Some(symbol),
                &lines,
                options,
            );
        } else {
            let text = elide(source, range, &nested);
            let base = base_chunk(
                path,
                language,
                ChunkKind::Symbol,
                symbol.span,
                Some(symbol),
                text,
            );
            split_text_chunk(&mut chunks, base, options);
        }
    }
    chunks
}

fn clamp(range: ByteRange, source: &str) -> ByteRange {
    let mut end = range.end.min(source.len());
    while !source.is_char_boundary(end) {
        end -= 1;
    }
    let mut start = range.start.min(end);
    while !source.is_char_boundary(start) {
        start -= 1;
    }
    ByteRange { start, end }
}

/// The outermost chunkable symbols strictly inside `outer`.
fn nested_ranges(outer: &Symbol, all: &[&Symbol]) -> Vec<ByteRange> {
    let o = outer.span.bytes;
    let mut inner: Vec<ByteRange> = all
        .iter()
        .map(|s| s.span.bytes)
        .filter(|r| o.contains(r) && *r != o && !r.is_empty())
        .collect();
    inner.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut outermost: Vec<ByteRange> = Vec::new();
    for r in inner {
        if outermost.last().is_none_or(|last| r.start >= last.end) {
            outermost.push(r);
        }
    }
    outermost
}

fn elide(source: &str, range: ByteRange, nested: &[ByteRange]) -> String {
    let mut text = String::new();
    let mut at = range.start;
    for r in nested {
        let r = clamp(*r, source);
        text.push_str(&source[at..r.start]);
        text.push_str(ELIDED);
        at = r.end;
    }
    text.push_str(&source[at..range.end]);
    text
}

fn base_chunk(
    path: &str,
    language: Language,
    kind: ChunkKind,
    span: Span,
    symbol: Option<&Symbol>,
    text: String,
) -> Chunk {
    // Two symbols can share one range (`a = b = 1`, `var x, y = …`): the
    // symbol id keeps their chunks apart.
    let mut id = ChunkId::for_chunk(path, span.bytes.start, span.bytes.end, text.as_bytes());
    if let Some(symbol) = symbol {
        id = ChunkId::from_parts(&[id.as_str().as_bytes(), symbol.id.as_str().as_bytes()]);
    }
    Chunk {
        id,
        kind,
        path: path.to_string(),
        language,
        span,
        symbol_id: symbol.map(|s| s.id.clone()),
        symbol_kind: symbol.map(|s| s.kind),
        qualified_name: symbol.map(|s| s.qualified_name.clone()),
        signature: symbol.map(|s| s.signature.clone()),
        doc: symbol.and_then(|s| s.doc.clone()),
        part: None,
        text,
        role: None,
    }
}

/// A contiguous range of the file: split with exact spans per part.
#[allow(clippy::too_many_arguments)] // one call site per chunk shape; a struct would only rename them
fn push_split(
    chunks: &mut Vec<Chunk>,
    path: &str,
    language: Language,
    source: &str,
    range: ByteRange,
    symbol: Option<&Symbol>,
    lines: &LineIndex,
    options: &IngestOptions,
) {
    let text = &source[range.start..range.end];
    let whole_kind = if symbol.is_some() {
        ChunkKind::Symbol
    } else {
        ChunkKind::File
    };
    if text.len() <= options.chunk_max_bytes {
        let span = symbol.map(|s| s.span).unwrap_or_else(|| lines.span(range));
        chunks.push(base_chunk(
            path,
            language,
            whole_kind,
            span,
            symbol,
            text.to_string(),
        ));
        return;
    }
    let parts = split_points(text, options.chunk_max_bytes, options.chunk_overlap_lines);
    let total = parts.len() as u32;
    let part_kind = if symbol.is_some() {
        ChunkKind::SymbolPart
    } else {
        ChunkKind::File
    };
    for (index, (start, end)) in parts.into_iter().enumerate() {
        let part_range = ByteRange {
            start: range.start + start,
            end: range.start + end,
        };
        let span = lines.span(part_range);
        let mut chunk = base_chunk(
            path,
            language,
            part_kind,
            span,
            symbol,
            text[start..end].to_string(),
        );
        chunk.part = Some((index as u32, total));
        chunks.push(chunk);
    }
}

/// A non-contiguous (elided) text: parts keep the symbol's span.
fn split_text_chunk(chunks: &mut Vec<Chunk>, base: Chunk, options: &IngestOptions) {
    if base.text.len() <= options.chunk_max_bytes {
        chunks.push(base);
        return;
    }
    let parts = split_points(
        &base.text,
        options.chunk_max_bytes,
        options.chunk_overlap_lines,
    );
    let total = parts.len() as u32;
    for (index, (start, end)) in parts.into_iter().enumerate() {
        let text = base.text[start..end].to_string();
        let mut chunk = base.clone();
        chunk.kind = ChunkKind::SymbolPart;
        chunk.id = ChunkId::from_parts(&[
            base.id.as_str().as_bytes(),
            &(index as u64).to_be_bytes(),
            text.as_bytes(),
        ]);
        chunk.part = Some((index as u32, total));
        chunk.text = text;
        chunks.push(chunk);
    }
}

/// Byte ranges `(start, end)` of the parts of `text`, each at most `max`
/// bytes except where one line alone is longer (then cut at char boundaries).
pub fn split_points(text: &str, max: usize, overlap_lines: usize) -> Vec<(usize, usize)> {
    let max = max.max(64);
    let lines = line_spans(text);
    let base_indent = lines
        .iter()
        .skip(1)
        .map(|&(s, e)| &text[s..e])
        .find(|l| !l.trim().is_empty())
        .map(indent)
        .unwrap_or(0);
    let boundary = |i: usize| {
        let (s, e) = lines[i];
        let line = &text[s..e];
        let previous_blank = i > 0 && text[lines[i - 1].0..lines[i - 1].1].trim().is_empty();
        previous_blank || (!line.trim().is_empty() && indent(line) <= base_indent)
    };
    let mut parts = Vec::new();
    let mut first = 0; // first line of the current part
    let mut covered = 0; // lines already inside some part
    while first < lines.len() {
        let start = lines[first].0;
        let mut last = first; // exclusive end line
        while last < lines.len() && lines[last].1 - start <= max {
            last += 1;
        }
        if last == lines.len() {
            parts.push((start, text.len()));
            break;
        }
        if last == first {
            // One line longer than `max`: cut it at a char boundary.
            let mut end = start + max;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            parts.push((start, end));
            return finish_long_line(text, parts, end, lines[first].1, max, &lines[first + 1..]);
        }
        // Prefer the last statement boundary in the back half of the part.
        let lowest = (first + (last - first) / 2).max(covered);
        let cut = (first + 1..last)
            .rev()
            .find(|&i| boundary(i) && i > lowest)
            .unwrap_or(last);
        parts.push((start, lines[cut - 1].1));
        covered = cut;
        let mut next = cut.saturating_sub(overlap_lines).max(first + 1);
        if lines[cut].1 - lines[next].0 > max {
            next = cut; // the overlap would leave no room for new lines
        }
        first = next;
    }
    parts
}

fn finish_long_line(
    text: &str,
    mut parts: Vec<(usize, usize)>,
    mut at: usize,
    line_end: usize,
    max: usize,
    rest: &[(usize, usize)],
) -> Vec<(usize, usize)> {
    while at < line_end {
        let mut end = (at + max).min(line_end);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        parts.push((at, end));
        at = end;
    }
    if let Some(&(next, _)) = rest.first() {
        let tail = &text[next..];
        parts.extend(
            split_points(tail, max, 0)
                .into_iter()
                .map(|(s, e)| (s + next, e + next)),
        );
    }
    parts
}

/// `(start, end)` of each line, the end including its newline.
fn line_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            spans.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < text.len() {
        spans.push((start, text.len()));
    }
    spans
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches([' ', '\t']).len()
}

#[cfg(test)]
mod tests;
