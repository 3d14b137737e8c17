//! A serde_json value written with the engine's own writer, for the tests that hold the writer
//! (JSON text, or the result record in its packed mode) to serde_json.

use factorgate::internals::Writer;
use serde_json::Value;

/// Writes a serde_json value with the engine's writer (object keys as `any_key`).
pub fn write(w: &mut Writer, v: &Value) {
    match v {
        Value::Null => w.null(),
        Value::Bool(b) => w.boolean(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => w.uint(u),
            (None, Some(i)) => w.int(i),
            _ => w.float(n.as_f64().unwrap()),
        },
        Value::String(s) => w.string(s),
        Value::Array(items) => {
            w.begin_array();
            for item in items {
                write(w, item);
            }
            w.end_array();
        }
        Value::Object(map) => {
            w.begin_object();
            for (k, v) in map {
                w.any_key(k);
                write(w, v);
            }
            w.end_object();
        }
    }
}
