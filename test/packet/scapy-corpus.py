#!/usr/bin/env python3
# The scapy half of the header-view corpus (test/packet/tshark.test.ts): frames built by an
# independent implementation, including odd ones, printed as JSON [{"name", "hex", "bad"}] on
# stdout. "bad": the result our parser must give for a frame malformed on purpose (truncated or
# a lying length field); null for a well-formed frame.
import json, sys
from scapy.all import (Ether, Dot1Q, Dot1AD, IP, IPv6, UDP, TCP, ICMP, ARP, Raw, IPOption_RR,
                       IPOption_Router_Alert, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, IPv6ExtHdrFragment,
                       IPv6ExtHdrDestOpt, ICMPv6ND_NS, ICMPv6ND_NA, ICMPv6ND_RS, ICMPv6ND_RA,
                       ICMPv6NDOptSrcLLAddr, ICMPv6NDOptDstLLAddr, ICMPv6NDOptMTU, ICMPv6NDOptPrefixInfo,
                       ICMPv6EchoRequest, VXLAN, fragment, PadN, RouterAlert, Jumbo)

E = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
frames = []
def add(name, pkt, bad=None):
    frames.append({"name": name, "hex": bytes(pkt).hex(), "bad": bad})

add("ipv4-udp", E / IP(src="192.0.2.1", dst="198.51.100.7", ttl=17, id=4242) / UDP(sport=40001, dport=9) / Raw(b"x" * 20))
add("ipv4-tcp-options", E / Dot1Q(vlan=100, prio=5) / IP(src="10.1.2.3", dst="10.3.2.1", flags="DF") /
    TCP(sport=40000, dport=443, seq=123456789, ack=987654321, flags="SA", window=29200,
        options=[("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1234, 5678)), ("NOP", None), ("WScale", 7)]))
add("qinq-ipv6-udp", E / Dot1AD(vlan=300, prio=3) / Dot1Q(vlan=42) / IPv6(src="2001:db8::1", dst="2001:db8::2", hlim=3, tc=0x28, fl=0x12345) / UDP(sport=1, dport=2) / Raw(b"\x00" * 7))
add("qinq-8100-8100-ipv4-icmp", E / Dot1Q(vlan=1) / Dot1Q(vlan=2) / IP(src="192.0.2.9", dst="192.0.2.10") / ICMP(type=8, id=7, seq=9) / Raw(b"ping"))
add("ipv4-options-rr-ra", E / IP(src="192.0.2.1", dst="192.0.2.2", options=[IPOption_RR(routers=["1.2.3.4", "5.6.7.8"]), IPOption_Router_Alert()]) / UDP(sport=9, dport=9))
add("ipv6-ext-chain", E / IPv6(src="fe80::1", dst="ff02::16") /
    IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)]) /
    IPv6ExtHdrRouting(addresses=["2001:db8::a", "2001:db8::b"], segleft=1) /
    IPv6ExtHdrFragment(offset=0, m=0, id=0xdeadbeef) /
    IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00\x00\x00\x00")]) /
    UDP(sport=1000, dport=2000) / Raw(b"chain"))
add("ipv6-fragment-first", E / IPv6(src="2001:db8::1", dst="2001:db8::2") / IPv6ExtHdrFragment(offset=0, m=1, id=77, nh=17) / Raw(b"\x00" * 16))
add("ipv6-fragment-later", E / IPv6(src="2001:db8::1", dst="2001:db8::2") / IPv6ExtHdrFragment(offset=185, m=0, id=77, nh=17) / Raw(b"\x00" * 16))
add("nd-ns", E / IPv6(src="fe80::1", dst="ff02::1:ff00:2", hlim=255) / ICMPv6ND_NS(tgt="fe80::2") / ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:00:01"))
add("nd-na", E / IPv6(src="fe80::2", dst="fe80::1", hlim=255) / ICMPv6ND_NA(tgt="fe80::2", R=0, S=1, O=1) / ICMPv6NDOptDstLLAddr(lladdr="02:00:00:00:00:02"))
add("nd-rs", E / IPv6(src="fe80::1", dst="ff02::2", hlim=255) / ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:00:01"))
add("nd-ra", E / IPv6(src="fe80::ff", dst="ff02::1", hlim=255) / ICMPv6ND_RA(chlim=64, routerlifetime=1800, M=1) /
    ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:00:ff") / ICMPv6NDOptMTU(mtu=1500) /
    ICMPv6NDOptPrefixInfo(prefix="2001:db8:1::", prefixlen=64, validlifetime=86400, preferredlifetime=14400))
add("icmpv6-echo", E / IPv6(src="2001:db8::1", dst="2001:db8::2") / ICMPv6EchoRequest(id=5, seq=6, data=b"abcd"))
add("vxlan", E / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=49152, dport=4789) / VXLAN(vni=0xabcdef) /
    Ether(src="02:00:00:00:01:01", dst="02:00:00:00:01:02") / IP(src="172.16.0.1", dst="172.16.0.2") / TCP(sport=22, dport=2222, flags="PA") / Raw(b"inner"))
add("arp-request", E / ARP(op=1, hwsrc="02:00:00:00:00:01", psrc="192.0.2.1", pdst="192.0.2.254"))
add("arp-reply", Ether(src="02:00:00:00:00:fe", dst="02:00:00:00:00:01") / ARP(op=2, hwsrc="02:00:00:00:00:fe", psrc="192.0.2.254", hwdst="02:00:00:00:00:01", pdst="192.0.2.1"))
for i, fr in enumerate(fragment(IP(src="192.0.2.1", dst="192.0.2.2", id=999) / UDP(sport=7, dport=7) / Raw(b"F" * 200), fragsize=96)):
    add(f"ipv4-fragment-{i}", E / fr)
# malformed on purpose
full = bytes(E / IP(src="192.0.2.1", dst="192.0.2.2") / TCP(sport=1, dport=2))
add("truncated-in-tcp", full[:14 + 20 + 10], "BAD_LENGTH")
add("truncated-in-ipv4", full[:14 + 12], "TRUNCATED")
add("truncated-in-vlan", bytes(E / Dot1Q(vlan=5))[:16], "TRUNCATED")
add("lying-ipv4-total-length", E / IP(src="192.0.2.1", dst="192.0.2.2", len=400) / UDP(sport=1, dport=2) / Raw(b"short"), "BAD_LENGTH")
add("lying-ipv4-ihl", E / IP(src="192.0.2.1", dst="192.0.2.2", ihl=3) / UDP(sport=1, dport=2), "BAD_IHL")
add("lying-udp-length", E / IP(src="192.0.2.1", dst="192.0.2.2") / UDP(sport=1, dport=2, len=300) / Raw(b"12345678"), "BAD_LENGTH")
add("lying-ipv6-payload-length", E / IPv6(src="2001:db8::1", dst="2001:db8::2", plen=500) / UDP(sport=1, dport=2), "BAD_LENGTH")
add("lying-tcp-data-offset", E / IP(src="192.0.2.1", dst="192.0.2.2") / TCP(sport=1, dport=2, dataofs=15), "BAD_LENGTH")
add("lying-tcp-data-offset-small", E / IP(src="192.0.2.1", dst="192.0.2.2") / TCP(sport=1, dport=2, dataofs=3), "BAD_LENGTH")
add("lying-ipv6-ext-length", (E / IPv6(src="2001:db8::1", dst="2001:db8::2") / IPv6ExtHdrDestOpt(len=9, options=[]) / UDP(sport=1, dport=2)), "BAD_LENGTH")
add("ipv4-bad-version", bytes(E / IP(src="192.0.2.1", dst="192.0.2.2") / UDP(sport=1, dport=2)).replace(b"\x08\x00\x45", b"\x08\x00\x65", 1), "BAD_VERSION")
json.dump(frames, sys.stdout)
