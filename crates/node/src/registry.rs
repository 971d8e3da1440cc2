//! Native objects handed to JS as small integer ids. Ids (not pointers or External objects) because
//! workers must name the same object from other threads: an id travels in workerData.
use crate::errors::Result;
use ringway_core::mem::Region;
use ringway_core::mempool::Pool;
use std::collections::{HashMap, HashSet};
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

/// Ids are never reused (a stale id from a closed object fails with ERR_RINGWAY_CLOSED rather than
/// naming a newer object). A port's id also tags every packet it receives: META_PORT holds its low
/// 16 bits (a u16, as DPDK's mbuf port). Ids keep counting past 65535 in a long-lived process that
/// opens and closes objects, so two live ports could share a tag (port 1 and port 65537) and tag 0
/// would read as "no port"; port ids therefore skip every id whose low 16 bits are 0 or a live
/// (or half-open) port's tag. Trade-off: a process can hold at most 65535 ports at once.
struct Table {
    next: u32,
    objs: HashMap<u32, Obj>,
    /// low 16 bits of every live or reserved port id
    port_tags: HashSet<u16>,
}

/// Ports that can be open at once: one per non-zero 16-bit tag.
pub const MAX_LIVE_PORTS: usize = 0xffff;

impl Table {
    fn new() -> Table {
        Table { next: 1, objs: HashMap::new(), port_tags: HashSet::new() }
    }

    fn take_id(&mut self) -> u32 {
        let id = self.next;
        // 2^32 objects in one process would take years at setup-call rates; say so rather than wrap.
        self.next = self.next.checked_add(1).expect("registry ids exhausted (2^32 objects made in one process)");
        id
    }

    fn insert(&mut self, o: Obj) -> u32 {
        let id = self.take_id();
        self.objs.insert(id, o);
        id
    }

    /// The next id whose tag (low 16 bits) is neither 0 nor taken by a live or reserved port.
    fn reserve_port(&mut self) -> Option<u32> {
        if self.port_tags.len() >= MAX_LIVE_PORTS {
            return None;
        }
        loop {
            let id = self.take_id();
            let tag = id as u16;
            if tag != 0 && self.port_tags.insert(tag) {
                return Some(id);
            }
        }
    }

    fn release_port(&mut self, id: u32) {
        if !self.objs.contains_key(&id) {
            self.port_tags.remove(&(id as u16));
        }
    }

    fn remove(&mut self, id: u32) -> Option<Obj> {
        let o = self.objs.remove(&id);
        if matches!(o, Some(Obj::Port(_))) {
            self.port_tags.remove(&(id as u16));
        }
        o
    }
}

fn table() -> &'static Mutex<Table> {
    static T: OnceLock<Mutex<Table>> = OnceLock::new();
    T.get_or_init(|| Mutex::new(Table::new()))
}

pub fn insert(o: Obj) -> u32 {
    table().lock().unwrap().insert(o)
}

/// An id for a port still being built (it records its own id in every packet it receives):
/// unique among live ports in its low 16 bits (see Table). Dropping the reservation without
/// `insert` (the open failed) frees the tag.
pub struct PortId {
    id: u32,
    inserted: bool,
}

impl PortId {
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The 16-bit tag written into META_PORT of received packets.
    pub fn tag(&self) -> u16 {
        self.id as u16
    }

    pub fn insert(mut self, e: PortEntry) {
        table().lock().unwrap().objs.insert(self.id, Obj::Port(Arc::new(e)));
        self.inserted = true;
    }
}

impl Drop for PortId {
    fn drop(&mut self) {
        if !self.inserted {
            table().lock().unwrap().release_port(self.id);
        }
    }
}

pub fn reserve_port() -> Result<PortId> {
    match table().lock().unwrap().reserve_port() {
        Some(id) => Ok(PortId { id, inserted: false }),
        None => Err(crate::errors::invalid(format!(
            "{MAX_LIVE_PORTS} ports are open in this process: a packet's input port (META_PORT) is 16 bits, so no more can be told apart; close a port first"
        ))),
    }
}

pub fn get(id: u32) -> Option<Obj> {
    table().lock().unwrap().objs.get(&id).cloned()
}

pub fn remove(id: u32) -> Option<Obj> {
    table().lock().unwrap().remove(id)
}

/// Removes every port that a native driver runs (virtio, pcap) and returns them, for closing at
/// the process's end whichever thread opened them.
pub fn remove_native_ports() -> Vec<Arc<PortEntry>> {
    let mut t = table().lock().unwrap();
    let ids: Vec<u32> = t.objs.iter().filter(|(_, o)| matches!(o, Obj::Port(p) if p.native.is_some())).map(|(id, _)| *id).collect();
    ids.into_iter()
        .filter_map(|id| match t.remove(id) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use ringway_core::port::layout::PORT_KIND_NULL;
    use ringway_core::port::PortBlock;

    fn null_port() -> Obj {
        let block = Arc::new(PortBlock::create(PORT_KIND_NULL, 1, [2, 0, 0, 0, 0, 1], 0).unwrap());
        Obj::Port(Arc::new(PortEntry { block, native: None, ring: None, virtio: None }))
    }

    #[test]
    fn port_ids_past_16_bits_never_share_a_tag_with_a_live_port() {
        let mut t = Table::new();
        let a = t.reserve_port().unwrap();
        t.objs.insert(a, null_port());
        assert_eq!(a, 1);
        // a long-lived process: ids have counted up to the wrap of the 16-bit tag
        t.next = 0x1_0000;
        let b = t.reserve_port().unwrap();
        assert_eq!(b, 0x1_0002, "0x10000 (tag 0: no port) and 0x10001 (tag 1: port 1's) are skipped");
        assert_ne!(a as u16, b as u16);
        // other objects still take every id: only ports skip
        let region = t.objs[&a].region().clone();
        assert_eq!(t.insert(Obj::Region(region)), 0x1_0003);
        // a port that closed frees its tag for a later id
        assert!(matches!(t.remove(a), Some(Obj::Port(_))));
        t.next = 0x2_0001;
        assert_eq!(t.reserve_port().unwrap(), 0x2_0001, "tag 1 is free again once port 1 closed");
    }

    #[test]
    fn a_failed_open_frees_its_tag_and_an_inserted_port_keeps_it() {
        let mut t = Table::new();
        let a = t.reserve_port().unwrap();
        t.release_port(a); // the open failed: nothing was inserted
        assert!(t.port_tags.is_empty());
        let b = t.reserve_port().unwrap();
        t.objs.insert(b, null_port());
        t.release_port(b); // not a reservation any more: a live port keeps its tag
        assert!(t.port_tags.contains(&(b as u16)));
    }

    #[test]
    fn at_most_65535_live_ports() {
        let mut t = Table::new();
        for _ in 0..MAX_LIVE_PORTS {
            t.reserve_port().unwrap();
        }
        assert_eq!(t.reserve_port(), None, "every non-zero tag is taken");
        t.release_port(7);
        assert_eq!(t.reserve_port().map(|id| id as u16), Some(7));
    }
}
