//! The result record: an answer written for the JS shim as a tag stream and a text, instead of
//! JSON text the shim would have to decode and parse (docs/architecture.md#the-result-record).
//!
//! The same [`Encode`](super::Encode) impls write it, through the same [`Writer`] in its packed
//! mode: one code path with a branch per primitive, not a second instantiation of every impl.
//! Keys and enumeration values are *names*, interned for the lifetime of a [`Record`] (in wasm:
//! of the instance): the first record that writes one defines it, later ones give its id only
//! (`packed.rs`). Every other string goes into the record's text, which the shim decodes once.

use super::packed::Packed;
use super::writer::Writer;

/// Where result records are written, kept from one record to the next: the names defined so
/// far (the reader keeps the same table, in the same order) and the buffers of the last record.
/// One per reader: in wasm, one per instance, so a fresh instance starts with no names, as the
/// shim's table for it does.
#[derive(Debug, Default)]
pub struct Record {
    packed: Packed,
    first: u16,
}

impl Record {
    /// A record holder with no names defined yet.
    pub const fn new() -> Record {
        Record {
            packed: Packed::new(),
            first: 0,
        }
    }

    /// Writes a new record with `body`, replacing the last one.
    pub fn write(&mut self, body: impl FnOnce(&mut Writer<'_>)) {
        self.first = self.packed.clear();
        body(&mut Writer::packed(&mut self.packed));
    }

    /// The last record's tag stream.
    pub fn tags(&self) -> &[u8] {
        self.packed.tags()
    }

    /// The last record's text: every string and number text its tags take, in order.
    pub fn text(&self) -> &str {
        self.packed.text_written()
    }

    /// How many names were defined before the last record: the id its first definition gets.
    /// A reader whose table is not that long missed a record, and must not read this one.
    pub fn first_name(&self) -> u32 {
        self.first.into()
    }
}
