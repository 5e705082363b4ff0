//! The JSON parts of a docpack read as a stream, element by element, into
//! the [`Checker`]: what the streaming `verify` holds of a part is one
//! element at a time.

use crate::model::{
    Cluster, Edge, EdgeKind, GraphMetrics, GraphNode, History, ModuleDoc, SourceFile,
};
use crate::validate::{Checker, Fault, IdKind};
use crate::{entry, DocpackError};
use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer as _};
use std::fmt;
use std::io::Read;
use std::marker::PhantomData;

/// What the checker reads of a symbol.
#[derive(Deserialize)]
struct Symbol {
    id: String,
    #[serde(default)]
    parent: Option<String>,
    #[serde(default)]
    cluster: Option<String>,
    centrality: f64,
}

#[derive(Deserialize)]
struct Context {
    symbol_id: String,
}

/// A part up to this size is read whole and parsed from memory (faster
/// than from a stream); a larger one is parsed as it streams. Either way
/// the checker sees one element at a time.
const IN_MEMORY: u64 = 64 << 20;

/// Streams JSON part `name` (`size` bytes from `r`) into `checker`, and
/// ends the kinds of id the part declares. A fault of the checker stops
/// the parse and is the error.
pub(crate) fn check_part(
    name: &str,
    size: u64,
    mut r: impl Read,
    checker: &mut Checker,
) -> Result<(), Fault> {
    if size <= IN_MEMORY {
        let mut bytes = Vec::with_capacity(size as usize);
        r.read_to_end(&mut bytes)
            .map_err(|e| Fault::from(crate::archive::read_error(e)))?;
        let de = serde_json::Deserializer::from_slice(&bytes);
        return check_with(name, de, checker);
    }
    check_with(name, serde_json::Deserializer::from_reader(r), checker)
}

fn check_with<'de, R: serde_json::de::Read<'de>>(
    name: &str,
    mut de: serde_json::Deserializer<R>,
    checker: &mut Checker,
) -> Result<(), Fault> {
    let mut fault = None;
    let parsed = de
        .deserialize_map(Part {
            name,
            checker,
            fault: &mut fault,
        })
        .and_then(|()| de.end());
    if let Some(f) = fault {
        return Err(f);
    }
    parsed.map_err(|e| json_error(name, e))?;
    let ends: &[IdKind] = match name {
        entry::CLUSTERS => &[IdKind::Cluster],
        entry::DOCS => &[IdKind::Module],
        entry::GRAPH => &[IdKind::GraphNode],
        entry::NODES => &[IdKind::Symbol],
        entry::SOURCE_MAP => &[IdKind::FilePath, IdKind::Chunk],
        _ => &[],
    };
    for kind in ends {
        checker.end(*kind)?;
    }
    Ok(())
}

/// A JSON error; one the entry's reader gave (a limit, a damaged stream)
/// is that error.
fn json_error(name: &str, e: serde_json::Error) -> Fault {
    if e.is_io() {
        return crate::archive::read_error(e.into()).into();
    }
    DocpackError::json(name, e).into()
}

/// The top-level object of a part.
struct Part<'a> {
    name: &'a str,
    checker: &'a mut Checker,
    fault: &'a mut Option<Fault>,
}

impl<'de> Visitor<'de> for Part<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "the object of {}", self.name)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (c, fault) = (self.checker, self.fault);
        while let Some(key) = map.next_key::<String>()? {
            match (self.name, key.as_str()) {
                (entry::CLUSTERS, "clusters") => {
                    map.next_value_seed(Each::new(fault, |x: Cluster| c.cluster(&x)))?
                }
                (entry::DOCS, "modules") => {
                    map.next_value_seed(Each::new(fault, |m: ModuleDoc| c.module(&m)))?
                }
                (entry::GRAPH, "edges") => map.next_value_seed(Each::new(fault, |e: Edge| {
                    // Edge kinds of a newer minor version are skipped.
                    match e.kind {
                        EdgeKind::Unknown => Ok(()),
                        _ => c.edge(&e),
                    }
                }))?,
                (entry::GRAPH, "metrics") => {
                    let m: GraphMetrics = map.next_value()?;
                    stop(fault, c.density(m.density))?
                }
                (entry::GRAPH, "nodes") => {
                    map.next_value_seed(Each::new(fault, |n: GraphNode| c.graph_node(&n)))?
                }
                (entry::NODES, "symbols") => {
                    map.next_value_seed(Each::new(fault, |s: Symbol| {
                        let (parent, cluster) = (s.parent.as_deref(), s.cluster.as_deref());
                        c.symbol(&s.id, parent, cluster, s.centrality)
                    }))?
                }
                (entry::SOURCE_MAP, "files") => {
                    map.next_value_seed(Each::new(fault, |f: SourceFile| c.file(&f)))?
                }
                (entry::SYMBOL_CONTEXTS, "contexts") => {
                    map.next_value_seed(Each::new(fault, |x: Context| c.context(&x.symbol_id)))?
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// A fault kept for the caller, and a parse error that stops the parse.
fn stop<E: serde::de::Error>(slot: &mut Option<Fault>, r: Result<(), Fault>) -> Result<(), E> {
    r.map_err(|f| {
        *slot = Some(f);
        E::custom("stopped by a consistency fault")
    })
}

/// A list whose elements go to `f` one at a time.
struct Each<'a, T, F> {
    fault: &'a mut Option<Fault>,
    f: F,
    element: PhantomData<T>,
}

impl<'a, T, F: FnMut(T) -> Result<(), Fault>> Each<'a, T, F> {
    fn new(fault: &'a mut Option<Fault>, f: F) -> Self {
        Each {
            fault,
            f,
            element: PhantomData,
        }
    }
}

impl<'de, T: DeserializeOwned, F: FnMut(T) -> Result<(), Fault>> DeserializeSeed<'de>
    for Each<'_, T, F>
{
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: DeserializeOwned, F: FnMut(T) -> Result<(), Fault>> Visitor<'de> for Each<'_, T, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<S: SeqAccess<'de>>(mut self, mut seq: S) -> Result<(), S::Error> {
        while let Some(x) = seq.next_element::<T>()? {
            stop(self.fault, (self.f)(x))?;
        }
        Ok(())
    }
}

/// `history.json`, whole (its size follows the history's, not the
/// symbols'), into the checker.
pub(crate) fn check_history(r: impl Read, checker: &mut Checker) -> Result<(), Fault> {
    let h: History = serde_json::from_reader(r).map_err(|e| json_error(entry::HISTORY, e))?;
    checker.history(&h)
}
