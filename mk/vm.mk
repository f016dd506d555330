# The VM tier (docs/VM.md): Debian's cloud kernel under qemu, for what this
# machine's kernel lacks (IPVS) and to run the nftables mode on a 6.1 kernel.
# Included by the Makefile; also works alone: `make -f mk/vm.mk test-vm`.
#
#   make test-vm              build svcnet and the unit binary in $(VM_BUILD),
#                             fetch the kernel (cached), build the initramfs,
#                             boot, run tests/vm/suite.sh in every mode of
#                             $(VM_MODES); the last line is "vm: N passed, M failed"
#   make vm-kernel            only fetch and extract the kernel
#   make vm-shell             boot to a shell on the console (Ctrl-A X quits)
#   make bench-vm             the IPVS vs nftables sync benchmark in the guest
#                             (tests/vm/bench.sh; not part of test-vm)
#
# VM_MODES: comma-separated proxy modes, each a full scenario run in the
# same boot. VM_UNIT: comma-separated unit groups the guest runs (empty:
# suite.sh's default, test_proxy_nft,test_proxy_ipvs,proxy_us_idle; "none": none).
# VM_BUILD: where svcnet and unit are built (release flags; BUILD=... dirs
# of the Makefile work too). VM_CACHE: the kernel cache, kept between runs
# (default /var/cache/svcnet-vm, see scripts/vm-kernel).

VM_MODES ?= nftables,ipvs
VM_UNIT ?=
VM_BUILD ?= build/release
VM_CACHE ?=
VM_NPROC := $(shell nproc 2>/dev/null || echo 2)

VM_ENV = SVCNET_VM_SVCNET=$(VM_BUILD)/svcnet SVCNET_VM_UNIT=$(VM_BUILD)/unit \
	SVCNET_VM_CACHE=$(VM_CACHE) SVCNET_VM_OUT=build/vm-tier \
	SVCNET_VM_UNIT_GROUPS=$(VM_UNIT)

.PHONY: test-vm vm-kernel vm-shell vm-binaries bench-vm

# The binaries come from the Makefile's own rules (same flags as `make`).
vm-binaries:
	$(MAKE) -f Makefile -j$(VM_NPROC) BUILD=$(VM_BUILD) $(VM_BUILD)/svcnet $(VM_BUILD)/unit

vm-kernel:
	SVCNET_VM_CACHE=$(VM_CACHE) ./scripts/vm-kernel

test-vm: vm-binaries
	$(VM_ENV) ./scripts/vm-run --modes $(VM_MODES)

vm-shell: vm-binaries
	$(VM_ENV) ./scripts/vm-run --shell none

bench-vm: vm-binaries
	$(VM_ENV) ./scripts/vm-run bench.sh
