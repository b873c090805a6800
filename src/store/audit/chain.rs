//! How audit entries are hashed.
//!
//! Entry `n` carries `prev_hash` = the hash of entry `n - 1` (64 zeros for entry 1) and
//! `hash = lower_hex(SHA-256(prev_hash || encode(entry)))`, where `prev_hash` is taken
//! as its 64 ASCII hex characters and `encode` is, field after field, with no
//! separators:
//!
//! | field       | encoding                                                      |
//! |-------------|---------------------------------------------------------------|
//! | `seq`       | u64, 8 bytes big-endian                                        |
//! | `at`        | u64 (unix milliseconds), 8 bytes big-endian                    |
//! | `actor`     | `str`: u64 big-endian byte length, then the UTF-8 bytes        |
//! | `action`    | `str` of the kebab-case name (`deploy`, `permission-denied`, …)|
//! | `component` | `0x00` when absent, else `0x01` then `str`                     |
//! | `version`   | `0x00` when absent, else `0x01` then `str`                     |
//! | `detail`    | `str` of the canonical JSON text stored in the row             |
//!
//! Canonical JSON ([`canonical_json`]): no whitespace, object keys sorted by their
//! UTF-8 bytes, strings and numbers as serde_json writes them. Every field is either
//! fixed-size or length-prefixed, so two different entries never encode alike.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::store::blobs::hex;

/// The canonical JSON text of `value` (see the [module documentation](self)).
pub fn canonical_json(value: &Value) -> String {
    fn write(v: &Value, out: &mut String) {
        match v {
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(item, out);
                }
                out.push(']');
            }
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                out.push('{');
                for (i, k) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push(':');
                    write(&map[k], out);
                }
                out.push('}');
            }
            scalar => out.push_str(&scalar.to_string()),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out
}

/// The fields of an entry as stored, which is what gets hashed.
pub(super) struct Fields<'a> {
    pub(super) seq: u64,
    pub(super) at: u64,
    pub(super) actor: &'a str,
    pub(super) action: &'a str,
    pub(super) component: Option<&'a str>,
    pub(super) version: Option<&'a str>,
    pub(super) detail: &'a str,
}

/// `lower_hex(SHA-256(prev_hash || encode(fields)))`.
pub(super) fn entry_hash(prev_hash: &str, f: &Fields<'_>) -> String {
    fn put_str(h: &mut Sha256, s: &str) {
        h.update((s.len() as u64).to_be_bytes());
        h.update(s.as_bytes());
    }
    fn put_opt(h: &mut Sha256, s: Option<&str>) {
        match s {
            None => h.update([0u8]),
            Some(s) => {
                h.update([1u8]);
                put_str(h, s);
            }
        }
    }
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(f.seq.to_be_bytes());
    h.update(f.at.to_be_bytes());
    put_str(&mut h, f.actor);
    put_str(&mut h, f.action);
    put_opt(&mut h, f.component);
    put_opt(&mut h, f.version);
    put_str(&mut h, f.detail);
    hex(&h.finalize())
}
