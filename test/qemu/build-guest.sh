#!/bin/bash
# Build the QEMU guest for the driver tests: Debian's own kernel (downloaded with apt-get
# download, unpacked with dpkg -x, never installed on the host) and a busybox initramfs that
# mounts the host root read-only over 9p and runs one guest script in a chroot of it.
#
#   test/qemu/build-guest.sh        -> $LAB/kernel/vmlinuz, $LAB/initramfs.cpio.gz
#
# LAB defaults to test/qemu/lab (gitignored), override with RINGWAY_QEMU_LAB.
# Host needs: apt-get install -y --no-install-recommends qemu-system-x86 busybox-static kmod cpio
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
LAB=${RINGWAY_QEMU_LAB:-$HERE/lab}
mkdir -p "$LAB" && cd "$LAB"

# 1. Kernel: the package linux-image-amd64 currently depends on (e.g. linux-image-6.1.0-NN-amd64).
KPKG=${KPKG:-$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}')}
[ -n "$KPKG" ] || { echo "cannot resolve linux-image-amd64 (apt-get update?)" >&2; exit 1; }
KVER=${KPKG#linux-image-}
if [ ! -f "kernel/boot/vmlinuz-$KVER" ]; then
  mkdir -p dl
  (cd dl && rm -f "$KPKG"_*.deb && apt-get download "$KPKG")
  rm -rf kernel && dpkg -x dl/"$KPKG"_*.deb kernel
fi
# The .deb has no modules.dep (its postinst runs depmod): make one inside the unpacked tree.
depmod -b "$LAB/kernel" "$KVER"
ln -sfn "boot/vmlinuz-$KVER" kernel/vmlinuz
# vfio.ko with CONFIG_VFIO_NOIOMMU for the vfio-noiommu route (Debian builds it without): best
# effort, the other routes do not need it. The outcome is recorded in noiommu.status, which
# run-tests.sh reports as the vfio-noiommu cases' skip reason.
NOIOMMU=$("$HERE/build-vfio-noiommu.sh" 2>&1 | tail -1) || true
case $NOIOMMU in skipped:*) echo "$NOIOMMU" >&2 ;; *) echo "$NOIOMMU"; NOIOMMU=ok ;; esac

# 2. Initramfs: busybox + the modules we need (dependencies from modules.dep).
MODS="virtio_pci virtio_net 9pnet_virtio 9p vfio vfio_iommu_type1 vfio_pci uio uio_pci_generic"
R=$(mktemp -d)
trap 'rm -rf "$R"' EXIT
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,host,lib/modules/$KVER}
for m in $MODS; do
  modprobe -d "$LAB/kernel" -S "$KVER" --show-depends "$m" | awk '$1=="insmod"{print $2}'
done | sort -u | while read -r ko; do
  rel=${ko#"$LAB"/kernel/}
  mkdir -p "$R/$(dirname "$rel")" && cp "$ko" "$R/$rel"
done
cp "$LAB"/kernel/lib/modules/"$KVER"/modules.{order,builtin,builtin.modinfo} "$R/lib/modules/$KVER/"
if [ "$NOIOMMU" = ok ]; then
  # same name and path as the stock module, so `modprobe vfio enable_unsafe_noiommu_mode=1` and
  # the modules depending on vfio pick it up; without the parameter it acts like the stock one
  cp "$LAB/vfio-noiommu/vfio.ko" "$(find "$R/lib/modules/$KVER" -name vfio.ko)"
fi
depmod -b "$R" "$KVER"
cp "$(command -v busybox)" "$R/bin/busybox"
file -L "$R/bin/busybox" 2>/dev/null | grep -q 'statically linked' || echo "warning: busybox is not static (install busybox-static)" >&2

cat > "$R/init" <<'INIT'
#!/bin/busybox sh
# PID 1 of the test guest. Kernel command line knobs:
#   ringway.cmd=SCRIPT  guest script (a host path) run with bash in a chroot of the host root
#   ringway.dir=DIR     lab directory, mounted read-write at the same path
#   ringway.repo=DIR    the repository (node, dist/, native/ are used from it in the guest)
#   ringway.shell=1     interactive shell afterwards (debugging)
/bin/busybox --install -s
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
CMD=; DIR=; REPO=; SHELL1=0
for x in $(cat /proc/cmdline); do
  case "$x" in ringway.cmd=*) CMD=${x#*=};; ringway.dir=*) DIR=${x#*=};; ringway.repo=*) REPO=${x#*=};; ringway.shell=1) SHELL1=1;; esac
done
for m in virtio_pci 9pnet_virtio 9p virtio_net; do modprobe $m; done
O=trans=virtio,version=9p2000.L,msize=512000
H=/host
mount -t 9p -o $O,ro,cache=loose hostroot $H || echo "GUEST: mount hostroot failed"
mount -t proc proc $H/proc; mount -t sysfs sysfs $H/sys; mount -t devtmpfs devtmpfs $H/dev
# A second view of the host root (a bind: a 9p channel mounts once) keeps what the tmpfs mounts
# below hide reachable: a checkout (and its lab) under /tmp, as CI's fresh clone may be, is bound
# back in at the same path. Mounts here are private (no systemd), so the tmpfs does not show in /orig.
mkdir -p /orig && mount --bind $H /orig
for d in tmp run var/tmp; do mount -t tmpfs tmpfs $H/$d; done
for p in $REPO $DIR; do
  case "$p" in /tmp/*|/run/*|/var/tmp/*) mkdir -p "$H$p" && mount --bind "/orig$p" "$H$p" ;; esac
done
mount -t 9p -o $O lab $H$DIR || echo "GUEST: mount lab failed"
mkdir -p $H/dev/hugepages $H/dev/pts $H/dev/shm; mount -t tmpfs tmpfs $H/dev/shm
mount -t hugetlbfs nodev $H/dev/hugepages; mount -t devpts devpts $H/dev/pts
# The initramfs (with the guest kernel's modules) stays reachable from the chroot:
#   chroot /run/initrd modprobe MOD
mkdir -p $H/run/initrd && mount --bind / $H/run/initrd
echo "GUEST: ready at $(cut -d' ' -f1 /proc/uptime)s"
RC=0
if [ -n "$CMD" ]; then
  chroot $H /bin/bash -c "cd $DIR && exec /bin/bash $CMD"; RC=$?
  echo "GUEST: script exit status $RC at $(cut -d' ' -f1 /proc/uptime)s"
fi
[ "$SHELL1" = 1 ] && setsid cttyhack sh
sync
# isa-debug-exit (port 0xf4): QEMU exits with status (RC << 1) | 1.
printf "\\$(printf %03o $((RC & 0x7f)))" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
poweroff -f
INIT
chmod +x "$R/init"
(cd "$R" && find . | cpio -o -H newc --quiet | gzip -1) > initramfs.cpio.gz
echo "$NOIOMMU" > noiommu.status
echo "guest: kernel $KVER, $(du -h initramfs.cpio.gz | cut -f1) initramfs in $LAB"
