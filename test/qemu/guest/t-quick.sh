. "$(dirname "$0")/lib.sh"
$MP vfio_iommu_type1; $MP vfio_pci
for b in $R0 $R1; do $BIN bind $b vfio-pci; done
$BIN info $R0
$BIN info $R1
