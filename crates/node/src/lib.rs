//! Thin napi-rs binding over ringway-core. No logic lives here: argument conversion, the id table
//! (registry.rs) and error mapping (errors.rs) only.
#![deny(clippy::all)]
// `cargo test` builds this crate without the napi registrations that use these items.
#![cfg_attr(test, allow(dead_code))]
mod errors;
mod guard;
mod irq;
mod lpm;
mod memory;
mod netdevs;
mod pci;
mod ports;
mod raw;
mod registry;
mod rings;
mod shared_views;

use napi_derive::napi;

#[napi]
pub fn version() -> crate::errors::Result<String> {
    crate::guard::call("version", move || Ok(env!("CARGO_PKG_VERSION").to_string()))
}

/// Every shared-layout constant, defined once in ringway-core; TypeScript's copies are checked
/// against this by test/layout.test.ts.
#[napi]
pub fn layout() -> crate::errors::Result<std::collections::HashMap<String, u32>> {
    crate::guard::call("layout", move || {
        Ok({
            ringway_core::ring::layout::exported()
                .into_iter()
                .chain(ringway_core::mempool::layout::exported())
                .chain(ringway_core::port::layout::exported())
                .chain(ringway_core::lpm::layout::exported())
                .map(|(k, v)| (k.to_string(), v))
                .collect()
        })
    })
}
