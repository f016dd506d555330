#!/bin/sh
# tests/vm/bench.sh [SIZE...]: the IPVS mode's sync cost beside the nftables
# mode's, on the guest's kernel (`make bench-vm`, or
# `scripts/vm-run bench.sh 1000,10000`; not part of `make test-vm`).
#
# Runs the unit binary's ipvs_sync_timing_in_netns with
# SVCNET_IPVS_BENCH=SIZES (default 1000,10000 Services, SVCNET_IPVS_BENCH_EPS
# endpoints each, default 3): per size and mode a full sync, the best of six
# one-endpoint changes, and a full sync over what is there, each backend
# alone in a private network namespace. Prints a table and the
# SVCNET-VM-RESULT line (1 passed when every sync worked). TCG emulation:
# the absolute numbers are several times a real machine's; compare the
# modes, not the seconds.
. /svcnet-vm/lib.sh

# the kernel command line's svcnet.args splits on commas: join them again
SIZES=$(echo "$*" | tr ' ' ',')
SIZES=${SIZES:-1000,10000}
[ -x /opt/svcnet/unit ] || {
	vm_fail "bench: no unit binary in the initramfs"
	vm_summary
	exit 1
}
t=$(vm_now)
if SVCNET_UNIT_REQUIRE_IPVS=1 SVCNET_IPVS_BENCH=$SIZES \
	/opt/svcnet/unit ipvs_sync_timing >/tmp/bench.out 2>&1; then
	vm_pass "bench: ipvs_sync_timing $SIZES ($(vm_since "$t") s)"
else
	cat /tmp/bench.out
	vm_fail "bench: ipvs_sync_timing" "($(vm_since "$t") s)"
fi
echo
echo "sync cost, $(uname -r), $(nproc) CPUs (TCG), $(sed -n 's/.*bench: [a-z]* [0-9]* services x \([0-9]*\) endpoints.*/\1/p' /tmp/bench.out | head -n 1) endpoints per Service"
printf '%-9s %8s %12s %12s %14s %9s\n' mode services "full sync" "again" "one change" written
sed -n 's/^ *bench: \([a-z]*\) \([0-9]*\) services x [0-9]* endpoints: full sync \([0-9.]*\) s, again \([0-9.]*\) s, one change \([0-9.]*\) ms (\([0-9]*\) written).*/\1 \2 \3 \4 \5 \6/p' /tmp/bench.out |
	while read -r mode n full again one wr; do
		printf '%-9s %8s %10s s %10s s %11s ms %9s\n' "$mode" "$n" "$full" "$again" "$one" "$wr"
	done
echo
vm_summary
