//! The JSON wire codec: the only code that reads or writes the contract's text.
//!
//! Its rules, stated once here and nowhere else:
//! - **Strict reading** (RFC 8259): anything that is not JSON is `invalidJson`; a document must be
//!   one value with nothing but whitespace after it.
//! - **Every error has a path**: the [`Reader`] knows the JSON pointer of the value it is reading,
//!   and every error it or a decoder raises carries it.
//! - **Bounded work**: nesting stops at [`crate::limits::MAX_DEPTH`] where the engine reads; an
//!   ignored value is skipped by a loop (no recursion on input, bounded by the document cap);
//!   strings and lists carry their cap in their type ([`BoundedString`], [`BoundedVec`]).
//! - **Names declared once**: a struct's JSON field names are given next to the type in
//!   [`decode_struct!`], [`merge_struct!`] or [`encode_struct!`], and an enumeration's in
//!   [`contract_enum!`]; reading and writing use the same list.
//! - **Requests are lenient, policies strict**: unknown fields are skipped in requests (hosts add
//!   fields over time) and are `unknownField` in policies; a key given twice is `duplicateKey`
//!   wherever the engine reads it; an unknown enumeration value is always an error.
//! - **Merging**: a policy is laid over the embedded default while it is read ([`Merge`], RFC 7386:
//!   objects merge field by field, anything else replaces).
//! - **Numbers** are converted by [`number`] (exact for up to 15 significant digits within
//!   1e±22), not by core's float tables, which would cost wasm size.
//!
//! It exists (rather than serde) for size in WebAssembly: serde's derived decoders alone were
//! ~145 KB of a module whose budget is 250 KB (`docs/contract.md#budgets`). The tests hold the
//! reader and writer to serde_json (`tests/json_reader.rs`).
//!
//! Layers, each importing only those before it: [`number`], [`reader`], [`packed`] and
//! [`writer`] (text; the writer's packed mode writes the result record for the JS shim, whose
//! holder is [`record`]), [`decode`] and [`encode`] (typed values), [`bounded`] (capped types).

pub(crate) mod binary;
pub(crate) mod bounded;
pub(crate) mod decode;
pub(crate) mod encode;
pub(crate) mod map;
pub(crate) mod number;
pub(crate) mod packed;
pub(crate) mod reader;
pub(crate) mod record;
pub(crate) mod writer;

#[cfg(test)]
mod tests;

pub use binary::{Bin, BinReader};
pub use bounded::{BoundedString, BoundedVec, Text};
pub(crate) use decode::Named;
pub(crate) use decode::{
    contract_enum, decode_by_merge, decode_struct, merge_struct, parsed_text, read_named,
};
pub use decode::{from_str, Decode};
pub(crate) use encode::{encode_struct, error_json, write_errors};
pub use encode::{to_json, Encode, RawJson};
pub use map::KeyMap;
pub use number::{format_number, parse_number};
pub(crate) use number::{hex_digit, Decimal};
pub use reader::{Reader, Res};
pub use record::Record;
pub use writer::Writer;
