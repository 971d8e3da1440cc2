//! `ringway devices`, kernel side: the network interfaces of this namespace and which
//! kernel-interface ports (af_packet, af_xdp, tap) can drive each.
use napi_derive::napi;
use ringway_core::port::netdev;

#[napi(object)]
pub struct KernelInterface {
    pub name: String,
    pub ifindex: u32,
    pub driver: String,
    pub mac: String,
    pub mtu: u32,
    pub up: bool,
    pub carrier: bool,
    pub rx_queues: u32,
    pub tx_queues: u32,
    /// id of the XDP program attached now, if any
    pub xdp_prog: Option<u32>,
    /// native XDP with redirect (af_xdp mode=native); null when the kernel cannot say (< 6.3)
    pub xdp_native: Option<bool>,
    /// AF_XDP zero-copy; null when unknown
    pub xdp_zerocopy: Option<bool>,
}

#[napi]
pub fn kernel_interfaces() -> Vec<KernelInterface> {
    netdev::interfaces()
        .into_iter()
        .map(|i| KernelInterface {
            mac: i.mac.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":"),
            name: i.name,
            ifindex: i.ifindex,
            driver: i.driver,
            mtu: i.mtu,
            up: i.up,
            carrier: i.carrier,
            rx_queues: i.rx_queues,
            tx_queues: i.tx_queues,
            xdp_prog: i.xdp_prog,
            xdp_native: i.xdp.map(|x| x.native),
            xdp_zerocopy: i.xdp.map(|x| x.zerocopy),
        })
        .collect()
}
