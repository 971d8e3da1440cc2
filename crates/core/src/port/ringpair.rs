//! Named in-memory port pairs (DPDK net_ring): `ring:NAME` opened twice gives two ends; what one
//! end transmits on queue q the other receives on queue q. Per queue there are two rings in one
//! shared region: ring 2q carries end 0 -> end 1, ring 2q+1 carries end 1 -> end 0.
use crate::error::{Error, Result};
use crate::mem::region::{HugePolicy, LockPolicy, Region};
use crate::ring::{layout::ring_bytes, Ring};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

pub const RING_PORT_CAPACITY: u32 = 1024;

pub struct RingPair {
    pub region: Arc<Region>,
    pub n_queues: u16,
    pub pool_id: u32,
    ends: [bool; 2],
}

fn table() -> &'static Mutex<HashMap<String, RingPair>> {
    static T: OnceLock<Mutex<HashMap<String, RingPair>>> = OnceLock::new();
    T.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Offset of ring `i` in a pair's region.
pub fn ring_offset(i: usize) -> usize {
    i * ring_bytes(RING_PORT_CAPACITY).next_multiple_of(128)
}

/// Opens one end; returns (region, end index 0 or 1).
pub fn open(name: &str, n_queues: u16, pool_id: u32) -> Result<(Arc<Region>, usize)> {
    let mut t = table().lock().unwrap();
    if let Some(p) = t.get_mut(name) {
        if p.n_queues != n_queues || p.pool_id != pool_id {
            return Err(Error::InvalidArgument(format!(
                "ring port '{name}' was opened with {} queues on pool {}; open the other end with the same queue count and pool",
                p.n_queues, p.pool_id
            )));
        }
        let end =
            p.ends.iter().position(|e| !e).ok_or_else(|| {
                Error::DeviceBusy(format!("ring port '{name}' already has both ends open; close one or use another name"))
            })?;
        p.ends[end] = true;
        return Ok((p.region.clone(), end));
    }
    let rings = 2 * n_queues as usize;
    let region = Arc::new(Region::create(&format!("ring-port-{name}"), ring_offset(rings), HugePolicy::Never, LockPolicy::BestEffort)?);
    for i in 0..rings {
        // SAFETY: ring i lies at ring_offset(i), 128-aligned, inside the fresh region.
        unsafe { Ring::init(region.as_ptr().add(ring_offset(i)), RING_PORT_CAPACITY, 0)? };
    }
    t.insert(name.to_string(), RingPair { region: region.clone(), n_queues, pool_id, ends: [true, false] });
    Ok((region, 0))
}

/// Closes one end; the pair is forgotten when both are closed. Returns true for the last end,
/// which must drain every ring (the other end may have sent after its peer left).
pub fn close(name: &str, end: usize) -> bool {
    let mut t = table().lock().unwrap();
    match t.get_mut(name) {
        Some(p) => {
            p.ends[end] = false;
            let last = !p.ends[0] && !p.ends[1];
            if last {
                t.remove(name);
            }
            last
        }
        None => true,
    }
}
