//! Interrupt-mode waits on virtio RX queues (core: port/virtio.rs `wait_rx`, virtio/irq.rs).
//! `portWaitRx` sleeps the calling thread (a worker's idle path); `portWaitRxAsync` sleeps on a
//! libuv thread-pool thread and resolves a promise, so the asking thread's event loop runs on.
use crate::errors::{invalid, IntoJs, Result};
use crate::registry;
use napi::bindgen_prelude::AsyncTask;
use napi::{Env, Task};
use napi_derive::napi;
use ringway_core::port::virtio::{wait_rx, VirtioPort};
use std::sync::Arc;

/// `pairs` = [portId, queue, portId, queue, ...] -> the virtio ports and queues.
fn resolve(pairs: &[u32]) -> Result<Vec<(Arc<VirtioPort>, u16)>> {
    if pairs.is_empty() || !pairs.len().is_multiple_of(2) {
        return Err(invalid(format!("waitRx: {} numbers; give [portId, queue] pairs", pairs.len())));
    }
    pairs
        .chunks(2)
        .map(|c| {
            let e = registry::port(c[0])?;
            let v = e.virtio.clone().ok_or_else(|| invalid(format!("port {}: interrupt waits are for virtio ports", c[0])))?;
            Ok((v, c[1] as u16))
        })
        .collect()
}

fn wait(ports: &[(Arc<VirtioPort>, u16)], timeout_ms: i32) -> ringway_core::error::Result<u32> {
    let refs: Vec<(&VirtioPort, u16)> = ports.iter().map(|(p, q)| (&**p, *q)).collect();
    wait_rx(&refs, timeout_ms).map(|n| n as u32)
}

/// Sleeps until one of the queues has packets, an interrupt arrives, or `timeoutMs` (-1: none).
/// Returns how many of the queues have packets waiting (0: timed out).
#[napi]
pub fn port_wait_rx(pairs: Vec<u32>, timeout_ms: i32) -> Result<u32> {
    crate::guard::call("portWaitRx", move || {
        let ports = resolve(&pairs)?;
        wait(&ports, timeout_ms).js()
    })
}

pub struct WaitTask {
    ports: Vec<(Arc<VirtioPort>, u16)>,
    timeout_ms: i32,
}

impl Task for WaitTask {
    type Output = u32;
    type JsValue = u32;
    fn compute(&mut self) -> napi::Result<u32> {
        // a thread-pool thread: no JS here, only the sleep; the error keeps the core's code in front
        wait(&self.ports, self.timeout_ms).map_err(|e| napi::Error::from_reason(format!("[{}] {e}", e.code())))
    }
    fn resolve(&mut self, _env: Env, out: u32) -> napi::Result<u32> {
        Ok(out)
    }
}

/// As `portWaitRx`, on the libuv thread pool: a promise of the count.
#[napi(ts_return_type = "Promise<number>")]
pub fn port_wait_rx_async(pairs: Vec<u32>, timeout_ms: i32) -> Result<AsyncTask<WaitTask>> {
    crate::guard::call("portWaitRxAsync", move || Ok(AsyncTask::new(WaitTask { ports: resolve(&pairs)?, timeout_ms })))
}

#[napi(object)]
pub struct IrqInfo {
    /// "off" (never waited), "intx" (uio_pci_generic), "msix" (vfio-pci)
    pub kind: String,
    pub sleeps: f64,
    /// sleeps ended by an interrupt (not the timeout)
    pub wakeups: f64,
}

#[napi]
pub fn port_irq_info(id: u32) -> Result<IrqInfo> {
    crate::guard::call("portIrqInfo", move || {
        let e = registry::port(id)?;
        let v = e.virtio.as_ref().ok_or_else(|| invalid(format!("port {id} is not a virtio port")))?;
        let (kind, sleeps, wakeups) = v.irq_stats();
        Ok(IrqInfo { kind: kind.into(), sleeps: sleeps as f64, wakeups: wakeups as f64 })
    })
}
