# shellcheck shell=sh
# tests/vm/lib.sh: helpers of the VM tier's guest scripts (sourced; busybox
# sh). Results are PASS/FAIL lines; vm_summary prints the line the host
# parses: "SVCNET-VM-RESULT: N passed, M failed".

VM_PASSED=0
VM_FAILED=0
VM_FAILED_NAMES=""

# Seconds since boot with centiseconds: the guest's clock for waits and
# durations (busybox date has no sub-second output).
vm_now() { cut -d' ' -f1 /proc/uptime; }
vm_since() { awk -v a="$1" -v b="$(vm_now)" 'BEGIN {printf "%.2f", b - a}'; }

vm_log() { echo "[$(vm_now)] $*"; }

vm_pass() {
	VM_PASSED=$((VM_PASSED + 1))
	echo "PASS $*"
}

vm_fail() {
	VM_FAILED=$((VM_FAILED + 1))
	VM_FAILED_NAMES="$VM_FAILED_NAMES $1"
	echo "FAIL $*"
}

# vm_check NAME CMD...: PASS when CMD succeeds, else FAIL.
vm_check() {
	name=$1
	shift
	if "$@"; then vm_pass "$name"; else vm_fail "$name"; fi
}

vm_summary() {
	[ -z "$VM_FAILED_NAMES" ] || echo "failed:$VM_FAILED_NAMES"
	echo "SVCNET-VM-RESULT: $VM_PASSED passed, $VM_FAILED failed"
	[ "$VM_FAILED" -eq 0 ]
}

# vm_wait SECONDS CMD...: retries CMD every 0.3 s until it succeeds; 1 when
# the time runs out.
vm_wait() {
	limit=$1
	shift
	start=$(vm_now)
	while :; do
		if "$@"; then
			return 0
		fi
		if awk -v s="$start" -v n="$(vm_now)" -v l="$limit" 'BEGIN {exit !(n - s >= l)}'; then
			return 1
		fi
		sleep 0.3
	done
}
