//! Thin napi-rs binding over ringway-core. No logic lives here: argument conversion, handle tables and
//! error mapping (errors.rs) only.
#![deny(clippy::all)]
use napi_derive::napi;

#[napi]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
