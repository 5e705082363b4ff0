//! Docpack parts written to temporary files instead of memory.
//!
//! The tar header of an entry holds its size and the manifest (the first
//! entry) holds every entry's SHA-256, so each part must be complete
//! before the archive can start. A kernel-sized `nodes.json` is hundreds of
//! megabytes; [`write_part`] writes each top-level member of a part into a
//! [`Out`] that spills to an anonymous temporary file once it holds
//! [`Spool::threshold`] bytes, one finished list element at a time, and
//! returns the part as [`PartBody`] pieces in canonical key order. Nothing
//! but the pieces' buffers is in memory, and the bytes are exactly those of
//! [`crate::canonical::to_canonical_json`].

use crate::canonical_writer::{key_string, write_canonical_at};
use crate::error::DocpackError;
use crate::nodes_spool::SpooledNodes;
pub(crate) use crate::out::{spool_error, Out, Spool, Written};
use serde::ser::{self, Error as _, Impossible, Serialize};
use serde_json::Error;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

/// A stretch of a part: bytes in memory, a temporary file's first `len`
/// bytes, or spooled symbols read out in id order.
pub(crate) enum Piece {
    Bytes(Vec<u8>),
    File(File, u64),
    Nodes(Box<SpooledNodes>),
}

impl From<Written> for Piece {
    fn from(w: Written) -> Self {
        match w {
            Written::Bytes(b) => Piece::Bytes(b),
            Written::File(f, len) => Piece::File(f, len),
        }
    }
}

impl Piece {
    fn len(&self) -> u64 {
        match self {
            Piece::Bytes(b) => b.len() as u64,
            Piece::File(_, len) => *len,
            Piece::Nodes(nodes) => nodes.part_len(),
        }
    }
}

/// A part's bytes: pieces in order, readable as often as needed.
pub(crate) struct PartBody {
    pieces: Vec<Piece>,
}

impl PartBody {
    pub fn bytes(bytes: Vec<u8>) -> PartBody {
        PartBody {
            pieces: vec![Piece::Bytes(bytes)],
        }
    }

    /// `nodes.json` read out of its spool as it is hashed and framed.
    pub fn nodes(nodes: SpooledNodes) -> PartBody {
        PartBody {
            pieces: vec![Piece::Nodes(Box::new(nodes))],
        }
    }

    pub fn len(&self) -> u64 {
        self.pieces.iter().map(Piece::len).sum()
    }

    /// Calls `f` with the part's bytes in order, a buffer at a time.
    pub fn for_each_chunk(
        &mut self,
        mut f: impl FnMut(&[u8]) -> Result<(), DocpackError>,
    ) -> Result<(), DocpackError> {
        let mut buf = Vec::new();
        for piece in &mut self.pieces {
            match piece {
                Piece::Bytes(b) => f(b)?,
                Piece::Nodes(nodes) => nodes.for_each_chunk(&mut buf, &mut f)?,
                Piece::File(file, len) => {
                    buf.resize(4 << 20, 0);
                    file.seek(SeekFrom::Start(0)).map_err(spool_error)?;
                    let mut left = *len;
                    while left > 0 {
                        let n = buf.len().min(left as usize);
                        file.read_exact(&mut buf[..n]).map_err(spool_error)?;
                        f(&buf[..n])?;
                        left -= n as u64;
                    }
                }
            }
        }
        Ok(())
    }

    /// The lowercase hex SHA-256 of the part.
    #[cfg(test)]
    pub fn sha256_hex(&mut self) -> Result<String, DocpackError> {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        self.for_each_chunk(|chunk| {
            hasher.update(chunk);
            Ok(())
        })?;
        Ok(hex::encode(hasher.finalize()))
    }

    /// The part's bytes in one buffer.
    #[cfg(test)]
    pub fn into_bytes(mut self) -> Result<Vec<u8>, DocpackError> {
        if let [Piece::Bytes(_)] = self.pieces.as_slice() {
            if let Some(Piece::Bytes(b)) = self.pieces.pop() {
                return Ok(b);
            }
        }
        let mut out = Vec::with_capacity(self.len() as usize);
        self.for_each_chunk(|chunk| {
            out.extend_from_slice(chunk);
            Ok(())
        })?;
        Ok(out)
    }
}

/// The canonical JSON of a part (an object at the top, as every docpack
/// JSON part is), each member spooled on its own, with the trailing
/// newline.
pub(crate) fn write_part<T: Serialize + ?Sized>(
    name: &str,
    value: &T,
    spool: &Spool,
) -> Result<PartBody, DocpackError> {
    let members = value
        .serialize(TopLevel { spool })
        .map_err(|e| DocpackError::json(name, e))?;
    let mut members = members.map_err(spool_error)?;
    // Sorted by key; of a repeated key the last wins, as in an object
    // written whole.
    members.reverse();
    members.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    members.dedup_by(|b, a| a.0 == b.0);
    let mut pieces = Vec::with_capacity(members.len() * 2 + 1);
    let mut text = b"{".to_vec();
    for (n, (key, piece)) in members.into_iter().enumerate() {
        text.extend_from_slice(if n == 0 { b"\n  " } else { b",\n  " });
        serde_json::to_writer(&mut text, &key).map_err(|e| DocpackError::json(name, e))?;
        text.extend_from_slice(b": ");
        pieces.push(Piece::Bytes(std::mem::take(&mut text)));
        pieces.push(piece);
    }
    if !pieces.is_empty() {
        text.push(b'\n');
    }
    text.extend_from_slice(b"}\n");
    pieces.push(Piece::Bytes(text));
    Ok(PartBody { pieces })
}

type Members = io::Result<Vec<(String, Piece)>>;

/// Serialises the top-level object of a part member by member.
struct TopLevel<'s> {
    spool: &'s Spool,
}

struct TopObject<'s> {
    spool: &'s Spool,
    members: Vec<(String, Piece)>,
    key: Option<String>,
    failed: Option<io::Error>,
}

impl TopObject<'_> {
    fn member<T: Serialize + ?Sized>(&mut self, key: String, value: &T) -> Result<(), Error> {
        if self.failed.is_some() {
            return Ok(());
        }
        let mut out = Out::spooled(self.spool);
        write_canonical_at(&mut out, 1, value)?;
        match out.finish().map(Piece::from) {
            Ok(piece) => self.members.push((key, piece)),
            Err(e) => self.failed = Some(e),
        }
        Ok(())
    }

    fn end(self) -> Result<Members, Error> {
        Ok(match self.failed {
            Some(e) => Err(e),
            None => Ok(self.members),
        })
    }
}

impl ser::SerializeStruct for TopObject<'_> {
    type Ok = Members;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.member(key.to_string(), value)
    }
    fn end(self) -> Result<Members, Error> {
        TopObject::end(self)
    }
}

impl ser::SerializeMap for TopObject<'_> {
    type Ok = Members;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key = Some(key_string(key)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self
            .key
            .take()
            .ok_or_else(|| Error::custom("a map value without a key"))?;
        self.member(key, value)
    }
    fn end(self) -> Result<Members, Error> {
        TopObject::end(self)
    }
}

fn not_an_object<T>() -> Result<T, Error> {
    Err(Error::custom("a docpack part must be a JSON object"))
}

macro_rules! refuse {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {$(
        fn $method(self, $(_: $arg),*) -> Result<Members, Error> {
            not_an_object()
        }
    )*};
}

impl<'s> ser::Serializer for TopLevel<'s> {
    type Ok = Members;
    type Error = Error;
    type SerializeSeq = Impossible<Members, Error>;
    type SerializeTuple = Impossible<Members, Error>;
    type SerializeTupleStruct = Impossible<Members, Error>;
    type SerializeTupleVariant = Impossible<Members, Error>;
    type SerializeMap = TopObject<'s>;
    type SerializeStruct = TopObject<'s>;
    type SerializeStructVariant = Impossible<Members, Error>;

    refuse!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Members, Error> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Members, Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Members, Error> {
        not_an_object()
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        not_an_object()
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        not_an_object()
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        not_an_object()
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        not_an_object()
    }

    fn serialize_map(self, _: Option<usize>) -> Result<TopObject<'s>, Error> {
        Ok(TopObject {
            spool: self.spool,
            members: Vec::new(),
            key: None,
            failed: None,
        })
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<TopObject<'s>, Error> {
        self.serialize_map(None)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        not_an_object()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::to_canonical_json;
    use serde_json::json;

    fn spooled(value: &serde_json::Value, threshold: usize) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool {
            dir: Some(dir.path().to_path_buf()),
            threshold,
        };
        let mut part = write_part("t", value, &spool).unwrap();
        let hash = part.sha256_hex().unwrap();
        let bytes = part.into_bytes().unwrap();
        assert_eq!(hash, crate::canonical::sha256_hex(&bytes));
        bytes
    }

    #[test]
    fn spooled_parts_are_the_bytes_of_the_whole_part() {
        let long: Vec<_> = (0..500)
            .map(|i| json!({"id": format!("s{i}"), "score": i as f64 / 7.0, "tags": ["x", i]}))
            .collect();
        let value = json!({
            "symbols": long,
            "metrics": {"b": 1, "a": 0.1 + 0.2},
            "empty": [],
            "aaa": "first",
        });
        let whole = to_canonical_json("t", &value).unwrap();
        for threshold in [0, 1, 100, 10_000, usize::MAX] {
            assert_eq!(spooled(&value, threshold), whole, "threshold {threshold}");
        }
        assert_eq!(
            spooled(&json!({}), 0),
            to_canonical_json("t", &json!({})).unwrap()
        );
    }

    #[test]
    fn a_part_that_is_not_an_object_is_refused() {
        let err = write_part("x.json", &json!([1, 2]), &Spool::memory())
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("x.json") && err.contains("JSON object"),
            "{err}"
        );
    }
}
