#!/usr/bin/env python3
"""Prints a virtio-pci device's device_status byte (virtio 1.2 §4.1.4.3, common configuration
structure offset 20), read through sysfs: the PCI capability list in `config` locates the common
configuration (§4.1.4: vendor capability, cfg_type 1) in a BAR, which is mmapped from `resourceN`;
and its Bus Master Enable bit (PCI Local Bus 3.0 §6.2.2: command register, offset 4, bit 2), 0
meaning the device cannot DMA at all. Used by cases.sh to see whether a device was reset and
stopped after its process ended: "status=0 bus_master=0".

    devstatus.py 0000:00:10.0
"""
import mmap, os, struct, sys

bdf = sys.argv[1]
dev = f"/sys/bus/pci/devices/{bdf}"
with open(f"{dev}/config", "rb") as f:
    cfg = f.read(256)
bus_master = (struct.unpack_from("<H", cfg, 4)[0] >> 2) & 1
ptr = cfg[0x34] & ~3
while ptr:
    cap_id, nxt, _len, cfg_type, bar = cfg[ptr], cfg[ptr + 1], cfg[ptr + 2], cfg[ptr + 3], cfg[ptr + 4]
    if cap_id == 0x09 and cfg_type == 1:  # VIRTIO_PCI_CAP_COMMON_CFG
        offset = struct.unpack_from("<I", cfg, ptr + 8)[0]
        break
    ptr = nxt & ~3
else:
    sys.exit(f"{bdf}: no virtio common configuration capability")
fd = os.open(f"{dev}/resource{bar}", os.O_RDONLY | os.O_SYNC)
page = offset & ~(mmap.PAGESIZE - 1)
m = mmap.mmap(fd, mmap.PAGESIZE, mmap.MAP_SHARED, mmap.PROT_READ, offset=page)
print(f"status={m[offset - page + 20]} bus_master={bus_master}")
