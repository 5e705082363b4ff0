//! The history document (`history.json`, version 1): what the analyses
//! produce, serialised as is. Every list has a fixed order (stated on its
//! field), so equal histories give equal bytes. The types are the
//! docpack's (`doctown_docpack::history`), where the part is specified.

pub use doctown_docpack::history::*;
