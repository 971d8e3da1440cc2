//! pcap port (DPDK net_pcap): RX replays a capture file (pcap or pcapng, optionally in a loop),
//! TX writes a libpcap file. One queue. Packet bytes are read straight into pool buffers and
//! written straight from them.
use super::layout::*;
use super::{NativePort, PortBlock};
use crate::error::{Error, Result};
use crate::mempool::layout::{META_DATA_LEN, META_DATA_OFF, META_SIZE};
use crate::mempool::{Pool, PoolCache};
use crate::pcap::{PcapReader, PcapWriter, TsResolution};
use std::path::Path;
use std::sync::{Arc, Mutex};

struct Rx {
    reader: PcapReader,
    repeat: bool,
    done: bool,
    cache: PoolCache,
}

struct Tx {
    writer: Option<PcapWriter>,
    cache: PoolCache,
}

pub struct PcapPort {
    block: Arc<PortBlock>,
    pool: Arc<Pool>,
    /// written into META_PORT of every received packet: the low 16 bits of the port's id
    port_id: u16,
    rx: Mutex<Option<Rx>>,
    tx: Mutex<Option<Tx>>,
    /// what ended RX, when an error did (the reader's message names the file and offset)
    rx_err: Mutex<Option<String>>,
}

impl PcapPort {
    pub fn open(
        rx: Option<&Path>,
        tx: Option<&Path>,
        repeat: bool,
        pool: Arc<Pool>,
        block: Arc<PortBlock>,
        port_id: u16,
    ) -> Result<PcapPort> {
        if block.n_queues() != 1 {
            return Err(Error::InvalidArgument(format!("pcap ports have exactly 1 queue, not {}", block.n_queues())));
        }
        let rx = match rx {
            Some(p) => Some(Rx { reader: PcapReader::open(p)?, repeat, done: false, cache: PoolCache::new(pool.clone())? }),
            None => None,
        };
        let tx = match tx {
            Some(p) => Some(Tx { writer: Some(PcapWriter::create(p, TsResolution::Nano)?), cache: PoolCache::new(pool.clone())? }),
            None => None,
        };
        Ok(PcapPort { block, pool, port_id, rx: Mutex::new(rx), tx: Mutex::new(tx), rx_err: Mutex::new(None) })
    }

    /// The bytes of buffer `h` (None for a foreign handle).
    ///
    /// # Safety
    /// The caller must own buffer `h` (freshly allocated on RX, handed over by tx_burst on TX)
    /// and hold no other reference to it.
    #[allow(clippy::mut_from_ref)]
    unsafe fn buffer(&self, h: u32) -> Option<&mut [u8]> {
        let p = self.pool.buf_ptr(h)?;
        // SAFETY: buf_ptr validated h, so stride bytes from p lie in the live region; exclusivity
        // is the caller's contract above.
        Some(unsafe { std::slice::from_raw_parts_mut(p, self.pool.stride() as usize) })
    }
}

impl NativePort for PcapPort {
    fn rx_burst(&self, q: u16, out: &mut [u32]) -> usize {
        let Ok(mut g) = self.rx.try_lock() else { return 0 };
        let Some(rx) = g.as_mut() else { return 0 };
        if q != 0 || rx.done || out.is_empty() {
            return 0;
        }
        let want = out.len();
        let got = rx.cache.alloc_burst(out);
        self.block.add(0, PORT_Q_RX_NOMBUF, (want - got) as u64);
        let data_off = META_SIZE + self.pool.headroom() as usize;
        let room = self.pool.data_room() as usize;
        let (mut n, mut bytes, mut errors) = (0, 0u64, 0u64);
        let mut rewound = false;
        while n < got {
            let h = out[n];
            // SAFETY: h was just allocated by this queue's cache, so we own it; one reference at a time.
            let Some(buf) = (unsafe { self.buffer(h) }) else { break };
            match rx.reader.next_packet(&mut buf[data_off..data_off + room]) {
                Ok(Some(info)) => {
                    rewound = false;
                    if info.caplen < info.origlen as usize && info.caplen == room {
                        errors += 1; // larger than a buffer: no multi-segment packets yet
                        continue;
                    }
                    buf[META_DATA_OFF..META_DATA_OFF + 2].copy_from_slice(&(data_off as u16).to_ne_bytes());
                    buf[META_DATA_LEN..META_DATA_LEN + 2].copy_from_slice(&(info.caplen as u16).to_ne_bytes());
                    bytes += info.caplen as u64;
                    n += 1;
                }
                Ok(None) if rx.repeat && !rewound => {
                    rewound = true; // an empty file must not spin forever
                    if rx.reader.rewind().is_err() {
                        rx.done = true;
                        break;
                    }
                }
                Ok(None) => {
                    rx.done = true;
                    break;
                }
                Err(e) => {
                    // A corrupt record cannot be skipped (its length is what is corrupt): RX ends
                    // here, counted in ierrors, and the reason is kept for rx_error() and flagged
                    // in the block so JS reports it (src/port/native-port.ts).
                    errors += 1;
                    rx.done = true;
                    if let Ok(mut g) = self.rx_err.lock() {
                        *g = Some(e.to_string());
                    }
                    // Release: the message above is set before anyone sees the flag.
                    self.block.queue_word(0, PORT_Q_RX_ERR).store(1, std::sync::atomic::Ordering::Release);
                    break;
                }
            }
        }
        for &h in &out[..n] {
            self.pool.set_rx_meta(h, self.port_id, 0);
        }
        rx.cache.free(&out[n..got]);
        self.block.count_rx(0, n as u64, bytes, errors);
        n
    }

    fn tx_burst(&self, q: u16, pkts: &[u32]) -> usize {
        let Ok(mut g) = self.tx.try_lock() else { return 0 };
        let Some(tx) = g.as_mut() else { return 0 };
        let Some(w) = tx.writer.as_mut() else { return 0 };
        if q != 0 {
            return 0;
        }
        let ts = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
        let (mut bytes, mut errors, mut n) = (0u64, 0u64, 0usize);
        // valid handles go back to the pool in batches from this stack array (no allocation)
        let (mut done, mut nd) = ([0u32; 64], 0usize);
        for &h in pkts {
            // SAFETY: tx_burst hands ownership of h to this queue; one reference at a time.
            let Some(buf) = (unsafe { self.buffer(h) }) else {
                errors += 1;
                n += 1;
                continue;
            };
            done[nd] = h;
            nd += 1;
            let off = u16::from_ne_bytes([buf[META_DATA_OFF], buf[META_DATA_OFF + 1]]) as usize;
            let len = u16::from_ne_bytes([buf[META_DATA_LEN], buf[META_DATA_LEN + 1]]) as usize;
            if off + len > buf.len() || w.write_packet(&buf[off..off + len], ts).is_err() {
                errors += 1;
            } else {
                bytes += len as u64;
            }
            n += 1;
            if nd == done.len() {
                tx.cache.free(&done);
                nd = 0;
            }
        }
        tx.cache.free(&done[..nd]);
        self.block.count_tx(0, n as u64 - errors, bytes, errors);
        n
    }

    fn rx_error(&self, q: u16) -> Option<String> {
        if q != 0 {
            return None;
        }
        self.rx_err.lock().ok().and_then(|g| g.clone())
    }

    fn close(&self) -> Result<()> {
        let rx = self.rx.lock().map(|mut g| g.take()).ok().flatten();
        drop(rx);
        let tx = self.tx.lock().map(|mut g| g.take()).ok().flatten();
        if let Some(mut t) = tx {
            if let Some(w) = t.writer.take() {
                w.close()?;
            }
        }
        Ok(())
    }
}
