#!/bin/bash
# Build a vfio.ko with no-IOMMU support for the guest kernel, for the `vfio-noiommu` route.
#
#   test/qemu/build-vfio-noiommu.sh      -> $LAB/vfio-noiommu/vfio.ko   (exit 0)
#                                           or "skipped: <why and the command>" on stdout (exit 3)
#
# Why: Debian's kernels are built with "# CONFIG_VFIO_NOIOMMU is not set", so
# `modprobe vfio enable_unsafe_noiommu_mode=1` says "unknown parameter" and vfio-pci cannot take
# a device that has no IOMMU group (Documentation/driver-api/vfio.rst, "VFIO NO-IOMMU mode"
# needs CONFIG_VFIO_NOIOMMU). We rebuild ONLY vfio.ko (vfio_main.c, container.c, iova_bitmap.c
# in 6.1) from the Debian source of exactly the guest kernel's version, with
# CONFIG_VFIO_NOIOMMU defined, against the matching linux-headers package. The symbols vfio.ko
# exports keep their CRCs, so the stock vfio-pci-core / vfio_iommu_type1 load on top of it; the
# module is unsigned, which taints the guest kernel but loads (no CONFIG_MODULE_SIG_FORCE).
# With enable_unsafe_noiommu_mode=0 (the default) the module behaves like the stock one.
#
# Needs (installed here if missing; run as root): the source package with apt-get download
# (not installed), and `apt-get install linux-headers-$KVER` (pulls linux-kbuild-6.1 and
# gcc-12), make, xz-utils. build-guest.sh calls this after unpacking the kernel.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
LAB=${RINGWAY_QEMU_LAB:-$HERE/lab}
skip() { echo "skipped: $*"; exit 3; }
cd "$LAB" 2>/dev/null || skip "no lab dir $LAB: run test/qemu/build-guest.sh"
KVER=${KVER:-$(readlink kernel/vmlinuz | sed 's|^boot/vmlinuz-||')}
[ -n "$KVER" ] || skip "no guest kernel in $LAB/kernel: run test/qemu/build-guest.sh"
OUT=$LAB/vfio-noiommu
KO=$OUT/vfio.ko
if [ -f "$KO" ] && modinfo -F vermagic "$KO" 2>/dev/null | grep -q "^$KVER " &&
   modinfo -p "$KO" 2>/dev/null | grep -q '^enable_unsafe_noiommu_mode'; then
  echo "vfio-noiommu: $KO (cached)"; exit 0
fi
# The guest kernel's Debian version (e.g. 6.1.192-2) names the source package version we need.
IMG=$(ls dl/linux-image-"$KVER"_*.deb 2>/dev/null | head -1)
[ -n "$IMG" ] || skip "no dl/linux-image-${KVER}_*.deb in $LAB: run test/qemu/build-guest.sh"
SRCVER=$(dpkg-deb -f "$IMG" Version)
SRCPKG=linux-source-${KVER%%.0-*}         # 6.1.0-56-amd64 -> linux-source-6.1
T0=$SECONDS
mkdir -p dl "$OUT"
if ! ls dl/"${SRCPKG}_${SRCVER}"_all.deb > /dev/null 2>&1; then
  (cd dl && apt-get download "$SRCPKG=$SRCVER" > /dev/null 2>&1) ||
    skip "cannot download $SRCPKG=$SRCVER (the guest kernel's source): apt-get update && (cd $LAB/dl && apt-get download $SRCPKG=$SRCVER)"
fi
HDR=/usr/src/linux-headers-$KVER
# Host packages for the build, installed only here (a machine without them still runs every
# other route): the headers (pull linux-kbuild-6.1 and the gcc-12 the kernel was built with),
# make and xz (not guaranteed on a minimal Debian).
PKGS=()
[ -f "$HDR/Makefile" ] || PKGS+=("linux-headers-$KVER")
command -v make > /dev/null || PKGS+=(make)
command -v xz > /dev/null || PKGS+=(xz-utils)
if [ ${#PKGS[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends \
    "${PKGS[@]}" > "$OUT/apt.log" 2>&1 ||
    skip "cannot install ${PKGS[*]} ($(tail -1 "$OUT/apt.log")): apt-get update && apt-get install -y --no-install-recommends ${PKGS[*]}"
fi
# Only drivers/vfio of the ~140 MB source tarball.
rm -rf "$OUT/src" "$OUT/build" && mkdir -p "$OUT/src" "$OUT/build"
dpkg --fsys-tarfile dl/"${SRCPKG}_${SRCVER}"_all.deb | tar -xO "./usr/src/$SRCPKG.tar.xz" | xz -dc -T0 |
  tar -x -C "$OUT/src" --wildcards "$SRCPKG/drivers/vfio/*" ||
  skip "cannot unpack drivers/vfio from $LAB/dl/${SRCPKG}_${SRCVER}_all.deb (delete it and retry)"
V=$OUT/src/$SRCPKG/drivers/vfio
# vfio.ko's objects, from drivers/vfio/Makefile of this version (vfio-y := ...).
OBJS=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$V/Makefile" | sed -n 's/^vfio-y[ +:]*=//p' | xargs)
[ -n "$OBJS" ] || skip "no vfio-y objects in $V/Makefile: this kernel version's layout is not handled"
for o in $OBJS; do cp "$V/${o%.o}.c" "$OUT/build/" || skip "missing ${o%.o}.c in $V"; done
cp "$V"/*.h "$OUT/build/"
cat > "$OUT/build/Kbuild" <<KB
ccflags-y := -DCONFIG_VFIO_NOIOMMU=1
obj-m := vfio.o
vfio-y := $OBJS
KB
make -C "$HDR" M="$OUT/build" modules -j"$(nproc)" > "$OUT/make.log" 2>&1 ||
  skip "building vfio.ko failed ($(grep -m1 -i error "$OUT/make.log")); log: $OUT/make.log"
modinfo -p "$OUT/build/vfio.ko" | grep -q '^enable_unsafe_noiommu_mode' ||
  skip "the built vfio.ko has no enable_unsafe_noiommu_mode parameter; log: $OUT/make.log"
cp "$OUT/build/vfio.ko" "$KO"
rm -rf "$OUT/src"
echo "vfio-noiommu: $KO built in $((SECONDS - T0))s ($SRCPKG=$SRCVER, headers $KVER)"
