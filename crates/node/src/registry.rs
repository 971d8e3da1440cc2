//! Native objects handed to JS as small integer ids. Ids (not pointers or External objects) because
//! workers must name the same object from other threads: an id travels in workerData.
use crate::errors::Result;
use ringway_core::mem::Region;
use ringway_core::mempool::Pool;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

pub struct PortEntry {
    pub block: Arc<ringway_core::port::PortBlock>,
    pub native: Option<Arc<dyn ringway_core::port::NativePort>>,
    /// ring ports: (pair name, end)
    pub ring: Option<(String, usize)>,
    /// virtio ports: the driver-side object (info, driver counters)
    pub virtio: Option<Arc<ringway_core::port::virtio::VirtioPort>>,
}

#[derive(Clone)]
pub enum Obj {
    Pool(Arc<Pool>),
    Region(Arc<Region>),
    Port(Arc<PortEntry>),
}

impl Obj {
    pub fn region(&self) -> &Arc<Region> {
        match self {
            Obj::Pool(p) => p.region(),
            Obj::Region(r) => r,
            Obj::Port(p) => p.block.region(),
        }
    }
}

struct Table {
    next: u32,
    objs: HashMap<u32, Obj>,
}

fn table() -> &'static Mutex<Table> {
    static T: OnceLock<Mutex<Table>> = OnceLock::new();
    T.get_or_init(|| Mutex::new(Table { next: 1, objs: HashMap::new() }))
}

pub fn insert(o: Obj) -> u32 {
    let mut t = table().lock().unwrap();
    let id = t.next;
    t.next += 1;
    t.objs.insert(id, o);
    id
}

/// An id for an object still being built (a port that records its own id in every packet it
/// receives); insert_at() stores it. An id reserved and never inserted is simply never used.
pub fn reserve() -> u32 {
    let mut t = table().lock().unwrap();
    let id = t.next;
    t.next += 1;
    id
}

pub fn insert_at(id: u32, o: Obj) {
    table().lock().unwrap().objs.insert(id, o);
}

pub fn get(id: u32) -> Option<Obj> {
    table().lock().unwrap().objs.get(&id).cloned()
}

pub fn remove(id: u32) -> Option<Obj> {
    table().lock().unwrap().objs.remove(&id)
}

/// Removes every port that a native driver runs (virtio, pcap) and returns them, for closing at
/// the process's end whichever thread opened them.
pub fn remove_native_ports() -> Vec<Arc<PortEntry>> {
    let mut t = table().lock().unwrap();
    let ids: Vec<u32> = t.objs.iter().filter(|(_, o)| matches!(o, Obj::Port(p) if p.native.is_some())).map(|(id, _)| *id).collect();
    ids.into_iter()
        .filter_map(|id| match t.objs.remove(&id) {
            Some(Obj::Port(p)) => Some(p),
            _ => None,
        })
        .collect()
}

/// The pool with this id, or ERR_RINGWAY_CLOSED naming it (`what` says who asked).
pub fn pool(id: u32, what: &str) -> Result<Arc<Pool>> {
    match get(id) {
        Some(Obj::Pool(p)) => Ok(p),
        _ => Err(crate::errors::closed(&format!("pool {id}{what}"))),
    }
}

/// The port with this id, or ERR_RINGWAY_CLOSED.
pub fn port(id: u32) -> Result<Arc<PortEntry>> {
    match get(id) {
        Some(Obj::Port(p)) => Ok(p),
        _ => Err(crate::errors::closed(&format!("port {id}"))),
    }
}
