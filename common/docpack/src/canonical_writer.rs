//! Canonical JSON written straight from `Serialize`, without building a
//! `serde_json::Value` first: the same bytes as pretty-printing the
//! canonical value (`canonical::canonical_value`), in a fraction of
//! the time and memory (a value tree of a large `nodes.json` is several
//! times the size of its text).
//!
//! Scalars and sequences are written where they fall. The fields of an
//! object are written one after another into a scratch buffer of that
//! object, remembered by key, and copied out in key order when the object
//! ends; so memory beyond the output is the scratch of the objects being
//! written (one per level of nesting), and each byte is copied once per
//! level of object nesting above it.

pub(crate) use crate::out::Out;
use serde::ser::{self, Error as _, Serialize};
use serde_json::Error;
use std::borrow::Cow;
use std::cell::RefCell;

/// Decimals every float in the JSON parts is rounded to.
pub const FLOAT_DECIMALS: i32 = 6;

/// Rounds to [`FLOAT_DECIMALS`] decimals; `-0.0` becomes `0.0`. Non-finite
/// values are returned unchanged (the writer refuses them before this).
pub fn round_f64(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(FLOAT_DECIMALS);
    let rounded = (x * scale).round() / scale;
    if rounded == 0.0 {
        0.0
    } else {
        rounded
    }
}

/// Appends the canonical pretty JSON of `value` (no trailing newline).
pub fn write_canonical<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), Error> {
    let mut o = Out::memory(std::mem::take(out));
    let result = write_canonical_at(&mut o, 0, value);
    *out = o.into_buffer();
    result
}

/// Writes the canonical pretty JSON of `value` as a value nested `depth`
/// levels deep. When `out` spills to a file, each sequence element is
/// handed on as it is finished, so a long list never sits in memory whole.
pub(crate) fn write_canonical_at<T: Serialize + ?Sized>(
    out: &mut Out,
    depth: usize,
    value: &T,
) -> Result<(), Error> {
    value.serialize(Writer { out, depth })
}

const INDENT: &[u8] = b"  ";

fn indent(out: &mut Out, depth: usize) {
    for _ in 0..depth {
        out.extend_from_slice(INDENT);
    }
}

fn string(out: &mut Out, s: &str) -> Result<(), Error> {
    serde_json::to_writer(out, s)
}

/// Writes one value at a nesting depth (its closing bracket's indent).
struct Writer<'a> {
    out: &'a mut Out,
    depth: usize,
}

macro_rules! integers {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method(self, v: $ty) -> Result<(), Error> {
            self.out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
            Ok(())
        }
    )*};
}

impl<'a> ser::Serializer for Writer<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Seq<'a>;
    type SerializeTuple = Seq<'a>;
    type SerializeTupleStruct = Seq<'a>;
    type SerializeTupleVariant = Variant<Seq<'a>>;
    type SerializeMap = Object<'a>;
    type SerializeStruct = Object<'a>;
    type SerializeStructVariant = Variant<Object<'a>>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out
            .extend_from_slice(if v { b"true" as &[u8] } else { b"false" });
        Ok(())
    }

    integers!(
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_u128: u128
    );

    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.serialize_f64(f64::from(v))
    }

    /// Rounded as the canonical value rounds; a non-finite float is `null`.
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        let x = round_f64(v);
        if x.is_finite() {
            serde_json::to_writer(self.out, &x)
        } else {
            self.out.extend_from_slice(b"null");
            Ok(())
        }
    }

    fn serialize_char(self, v: char) -> Result<(), Error> {
        string(self.out, v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        string(self.out, v)
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        let mut seq = ser::Serializer::serialize_seq(self, Some(v.len()))?;
        for b in v {
            ser::SerializeSeq::serialize_element(&mut seq, b)?;
        }
        ser::SerializeSeq::end(seq)
    }

    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        string(self.out, variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let mut object = Object::new(self.out, self.depth);
        ser::SerializeStruct::serialize_field(&mut object, variant, value)?;
        ser::SerializeStruct::end(object)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Seq<'a>, Error> {
        self.out.push(b'[');
        Ok(Seq {
            out: self.out,
            depth: self.depth,
            empty: true,
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<Seq<'a>, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Seq<'a>, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Variant<Seq<'a>>, Error> {
        open_variant(self, variant, |out, depth| {
            out.push(b'[');
            Seq {
                out,
                depth,
                empty: true,
            }
        })
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Object<'a>, Error> {
        Ok(Object::new(self.out, self.depth))
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Object<'a>, Error> {
        Ok(Object::new(self.out, self.depth))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Variant<Object<'a>>, Error> {
        open_variant(self, variant, Object::new)
    }
}

/// An array being written.
pub struct Seq<'a> {
    out: &'a mut Out,
    depth: usize,
    empty: bool,
}

impl<'a> Seq<'a> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.out
            .extend_from_slice(if self.empty { b"\n" as &[u8] } else { b",\n" });
        self.empty = false;
        indent(self.out, self.depth + 1);
        value.serialize(Writer {
            out: self.out,
            depth: self.depth + 1,
        })?;
        self.out.spill_if_full().map_err(Error::io)
    }

    fn close(self) -> Result<&'a mut Out, Error> {
        if !self.empty {
            self.out.push(b'\n');
            indent(self.out, self.depth);
        }
        self.out.push(b']');
        Ok(self.out)
    }
}

/// The three ways serde writes a sequence are one array here.
macro_rules! sequence {
    ($($trait:ident::$method:ident),*) => {$(
        impl ser::$trait for Seq<'_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.element(value)
            }
            fn end(self) -> Result<(), Error> {
                self.close().map(drop)
            }
        }
    )*};
}

sequence!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field
);

/// A member of an object being written: its key and where its value is
/// in the object's scratch.
type Member = (Cow<'static, str>, std::ops::Range<usize>);

/// The largest scratch buffer kept for the next object.
const POOLED_SCRATCH: usize = 1 << 20;

thread_local! {
    /// The scratch of finished objects, kept for the next ones: a thread
    /// that has written an object as deeply nested allocates nothing for
    /// the next (a `nodes.json` is millions of small objects).
    static SCRATCH: RefCell<Vec<(Vec<u8>, Vec<Member>)>> = const { RefCell::new(Vec::new()) };
}

/// An object being written: each value goes to `scratch`, remembered by
/// key, and the members are copied out sorted when the object ends.
pub struct Object<'a> {
    out: &'a mut Out,
    depth: usize,
    scratch: Out,
    /// A struct's keys are its fields' names; only a map's are made.
    members: Vec<Member>,
    key: Option<String>,
}

impl<'a> Object<'a> {
    fn new(out: &'a mut Out, depth: usize) -> Self {
        let (scratch, members) = SCRATCH
            .with(|pool| pool.borrow_mut().pop())
            .unwrap_or_default();
        Object {
            out,
            depth,
            scratch: Out::memory(scratch),
            members,
            key: None,
        }
    }

    fn member<T: Serialize + ?Sized>(
        &mut self,
        key: Cow<'static, str>,
        value: &T,
    ) -> Result<(), Error> {
        let start = self.scratch.len();
        value.serialize(Writer {
            out: &mut self.scratch,
            depth: self.depth + 1,
        })?;
        self.members.push((key, start..self.scratch.len()));
        Ok(())
    }

    fn close(self) -> Result<&'a mut Out, Error> {
        let Object {
            out,
            depth,
            scratch,
            mut members,
            ..
        } = self;
        // Sorted by key bytes; of equal keys the last written wins, as a
        // map that is assigned twice keeps the second value. Most objects
        // (maps from a `BTreeMap`) arrive sorted with no repeated key.
        let sorted = members
            .windows(2)
            .all(|w| w[0].0.as_bytes() < w[1].0.as_bytes());
        if !sorted {
            // The later of two equal keys was written later in the scratch:
            // it sorts first and is the one `dedup` keeps.
            members.sort_unstable_by(|a, b| {
                (a.0.as_bytes().cmp(b.0.as_bytes())).then(b.1.start.cmp(&a.1.start))
            });
            members.dedup_by(|later, first| later.0 == first.0);
        }
        out.push(b'{');
        for (n, (key, range)) in members.iter().enumerate() {
            out.extend_from_slice(if n == 0 { b"\n" as &[u8] } else { b",\n" });
            indent(out, depth + 1);
            string(out, key)?;
            out.extend_from_slice(b": ");
            out.extend_from_slice(&scratch[range.clone()]);
        }
        if !members.is_empty() {
            out.push(b'\n');
            indent(out, depth);
        }
        out.push(b'}');
        let mut scratch = scratch.into_buffer();
        if scratch.capacity() <= POOLED_SCRATCH {
            scratch.clear();
            members.clear();
            SCRATCH.with(|pool| pool.borrow_mut().push((scratch, members)));
        }
        Ok(out)
    }
}

/// A map key as JSON's object keys are: a string, or a number, boolean or
/// unit variant written as one (what `serde_json::to_value` accepts).
pub(crate) fn key_string<T: Serialize + ?Sized>(key: &T) -> Result<String, Error> {
    match serde_json::to_value(key)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        serde_json::Value::Bool(b) => Ok(b.to_string()),
        other => Err(Error::custom(format!(
            "a map key must be a string, not {other}"
        ))),
    }
}

impl ser::SerializeMap for Object<'_> {
    type Ok = ();
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
        self.member(Cow::Owned(key), value)
    }
    fn end(self) -> Result<(), Error> {
        self.close().map(drop)
    }
}

impl ser::SerializeStruct for Object<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.member(Cow::Borrowed(key), value)
    }
    fn end(self) -> Result<(), Error> {
        self.close().map(drop)
    }
}

/// `{"Variant": <inner>}`: the inner array or object is written one level
/// deeper, then the wrapping object is closed.
pub struct Variant<I> {
    inner: I,
    depth: usize,
}

/// Opens `{"variant": ` at `w`'s depth; `make` starts the inner value one
/// level deeper.
fn open_variant<'a, I>(
    w: Writer<'a>,
    variant: &'static str,
    make: impl FnOnce(&'a mut Out, usize) -> I,
) -> Result<Variant<I>, Error> {
    w.out.extend_from_slice(b"{\n");
    indent(w.out, w.depth + 1);
    string(w.out, variant)?;
    w.out.extend_from_slice(b": ");
    Ok(Variant {
        inner: make(w.out, w.depth + 1),
        depth: w.depth,
    })
}

fn close_variant(out: &mut Out, depth: usize) {
    out.push(b'\n');
    indent(out, depth);
    out.push(b'}');
}

impl ser::SerializeTupleVariant for Variant<Seq<'_>> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.inner.element(value)
    }
    fn end(self) -> Result<(), Error> {
        close_variant(self.inner.close()?, self.depth);
        Ok(())
    }
}

impl ser::SerializeStructVariant for Variant<Object<'_>> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.inner.member(Cow::Borrowed(key), value)
    }
    fn end(self) -> Result<(), Error> {
        close_variant(self.inner.close()?, self.depth);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::canonical_value;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    /// What the value path writes: the canonical value, pretty-printed.
    fn via_value<T: Serialize>(value: &T) -> String {
        let v = canonical_value(serde_json::to_value(value).unwrap());
        String::from_utf8(serde_json::to_vec_pretty(&v).unwrap()).unwrap()
    }

    fn direct<T: Serialize>(value: &T) -> String {
        let mut out = Vec::new();
        write_canonical(&mut out, value).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn any_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<u64>().prop_map(|n| json!(n)),
            (-1e12f64..1e12).prop_map(|x| json!(x)),
            (-1.0f64..1.0).prop_map(|x| json!(x / 1e5)),
            "[a-zA-Z\u{e9}\u{1F600}\\\"\n\t ]{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(5, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec(("[a-zA-Z_\u{e9}]{0,6}", inner), 0..6)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn writes_what_the_value_path_writes(v in any_value()) {
            prop_assert_eq!(direct(&v), via_value(&v));
        }
    }

    #[derive(serde::Serialize)]
    enum Shape {
        Unit,
        Newtype(u32),
        Tuple(u8, String),
        Struct { z: f32, a: Option<i8> },
    }

    #[derive(serde::Serialize)]
    struct Record {
        zeta: Vec<Shape>,
        alpha: std::collections::BTreeMap<u16, f64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        empty: Vec<u8>,
        nothing: std::collections::HashMap<String, u8>,
        ch: char,
        #[serde(flatten)]
        extra: std::collections::BTreeMap<String, Value>,
    }

    /// A map that assigns `b` twice, out of order, then an object
    /// nested one level deeper: what a map whose keys repeat writes.
    struct Repeated;

    impl Serialize for Repeated {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut map = serializer.serialize_map(None)?;
            map.serialize_entry("b", &1)?;
            map.serialize_entry("a", &json!({"z": 1, "y": [2]}))?;
            map.serialize_entry("b", &2)?;
            map.end()
        }
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value_and_scratch_is_reused_clean() {
        let expected =
            "{\n  \"a\": {\n    \"y\": [\n      2\n    ],\n    \"z\": 1\n  },\n  \"b\": 2\n}";
        // Twice on one thread: the second object takes the first's
        // scratch from the pool and must not see its bytes.
        assert_eq!(direct(&Repeated), expected);
        assert_eq!(direct(&Repeated), expected);
        assert_eq!(direct(&json!({"k": []})), via_value(&json!({"k": []})));
    }

    #[test]
    fn structs_enums_maps_and_flattening_match_the_value_path() {
        let record = Record {
            zeta: vec![
                Shape::Unit,
                Shape::Newtype(7),
                Shape::Tuple(1, "x".into()),
                Shape::Struct { z: 0.1, a: None },
            ],
            alpha: [(10, -0.0), (2, 1.0000004), (1, f64::NAN)]
                .into_iter()
                .collect(),
            skipped: None,
            empty: Vec::new(),
            nothing: Default::default(),
            ch: '"',
            extra: [("b".to_string(), json!({"y": [], "x": {}}))]
                .into_iter()
                .collect(),
        };
        assert_eq!(direct(&record), via_value(&record));
    }
}
