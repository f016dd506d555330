#!/bin/sh
# tests/vm/suite.sh [MODE...]: everything the VM tier checks, in one boot
# (default mode list: nftables):
#   1. the kernel: IPVS and its schedulers load, /proc/net/ip_vs is there,
#      and the other modules the proxy modes need (so the IPVS backend's
#      session can rely on them);
#   2. the unit tier's network-namespace groups on this kernel
#      (VM_UNIT_GROUPS, from the kernel word svcnet.unit=; default
#      test_proxy_nft, test_proxy_ipvs and proxy_us_idle (10,000 idle
#      connections through the userspace mode); "none" for none), when the
#      initramfs has the unit binary. The IPVS kernel tests must run here:
#      SVCNET_UNIT_REQUIRE_IPVS=1 makes them fail instead of skipping, and
#      a "skip ipvs" line in a group's output fails the group too;
#   3. the proxy scenarios (scenarios.sh) in each MODE.
# Ends with the SVCNET-VM-RESULT line.
. /svcnet-vm/lib.sh
. /svcnet-vm/scenarios.sh

# modules_check: what `modprobe` gives (all were loaded by /init already;
# modprobe of a loaded module succeeds at once).
modules_check() {
	for m in ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_dh ip_vs_sh ip_vs_sed ip_vs_nq; do
		modprobe "$m" || {
			echo "modprobe $m failed"
			return 1
		}
	done
	[ -r /proc/net/ip_vs ] || {
		echo "no /proc/net/ip_vs after modprobe ip_vs"
		return 1
	}
	head -n 3 /proc/net/ip_vs
	for m in nf_tables nft_chain_nat nft_numgen nft_ct nf_conntrack_netlink veth bridge dummy sctp; do
		grep -q "^$m " /proc/modules || {
			echo "module $m not loaded"
			return 1
		}
	done
	# a dummy link (this machine's kernel has none)
	ip link add svnvm-dummy type dummy && ip link del svnvm-dummy || return 1
}

unit_groups() {
	[ -x /opt/svcnet/unit ] || {
		echo "(no unit binary in the initramfs)"
		return 0
	}
	rc=0
	# proxy_us_idle: the userspace mode holding 10,000 idle connections
	# needs 30,000+ fds in one process (clients + 2 per relay); root in the
	# guest can raise the limit, the build machine's container cannot.
	ulimit -n 65536 || echo "(could not raise RLIMIT_NOFILE: $(ulimit -n))"
	for g in ${VM_UNIT_GROUPS:-test_proxy_nft test_proxy_ipvs proxy_us_idle}; do
		[ "$g" != none ] || continue
		t=$(vm_now)
		if SVCNET_UNIT_REQUIRE_IPVS=1 SVCNET_UNIT_US_IDLE=10000 \
			/opt/svcnet/unit "$g" >/tmp/unit.out 2>&1 &&
			! grep -q 'skip ipvs' /tmp/unit.out; then
			# what the tests measured (their indented lines), then the verdict
			grep '^    ' /tmp/unit.out | grep -v '^    child' | head -n 20
			vm_pass "unit $g: $(tail -n 1 /tmp/unit.out) ($(vm_since "$t") s)"
		else
			cat /tmp/unit.out
			vm_fail "unit $g" "$(tail -n 1 /tmp/unit.out) ($(vm_since "$t") s)"
			rc=1
		fi
	done
	return $rc
}

vm_check "kernel: ip_vs and schedulers load, /proc/net/ip_vs present, nft/conntrack/veth/bridge/dummy/sctp" \
	modules_check
unit_groups
for mode in "${@:-nftables}"; do
	# "none": no scenarios (only the unit groups: `vm-run --modes none --unit G`)
	[ "$mode" = none ] || scenarios_run "$mode"
done
vm_summary
