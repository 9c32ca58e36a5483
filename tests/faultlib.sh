# What the fault-injection units (tests/killservice.sh, killprefix.sh,
# damagestore.sh) share; sourced by them with $top set.  They run under
# tests/run-check as lifetime.sh does: WINEPREFIX, WINE, WINESERVER and
# BITSGET set, the servers of tests/servers.sh up (QMGR_* variables).
# Their client is build/ARCH/faultclient.exe (tests/faultclient.c), beside
# BITSGET.  Every wait is bounded; every process started is stopped.
#
# Copyright 2026 the qmgr project authors
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Lesser General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
#
# This library is distributed in the hope that it will be useful,
# but WITHOUT ANY WARRANTY; without even the implied warranty of
# MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
# Lesser General Public License for more details.
#
# You should have received a copy of the GNU Lesser General Public
# License along with this library; if not, write to the Free Software
# Foundation, Inc., 51 Franklin St, Fifth Floor, Boston, MA 02110-1301, USA

bitsget=${BITSGET:-$top/build/x86_64/bitsget.exe}
faultclient=$(dirname "$bitsget")/faultclient.exe
store_dir="$WINEPREFIX/drive_c/ProgramData/Microsoft/Network/Downloader"
public_dir="$WINEPREFIX/drive_c/users/Public"
# Scratch files of the unit that sources this (logs, lists, copies).
scratch="$top/tests/run/faults/$(basename "$0" .sh)"
# The seed of every random choice, printed so that a run can be repeated.
seed=${QMGR_FAULT_SEED:-$(date +%s)}
failures=0
hold_pid=

check() { if eval "$1"; then echo "ok: $2"; else echo "Test failed: $2"; failures=$((failures + 1)); fi; }

dos_path() { printf 'Z:%s' "$1" | tr / '\\'; }

# run_client SECONDS OUT MODE ARGS...: the client in its mode (see
# tests/faultclient.c), killed after SECONDS; its output, without carriage
# returns, in OUT.  Returns its exit status (its failure count), 124 or 137
# when it was killed.
run_client() {
    _fl_secs=$1 _fl_out=$2
    shift 2
    timeout -k 5 "$_fl_secs" "$WINE" "$faultclient" faultclient "$@" >"$_fl_out.raw" 2>&1
    _fl_rc=$?
    tr -d '\r' <"$_fl_out.raw" >"$_fl_out"
    rm -f "$_fl_out.raw"
    return $_fl_rc
}

# random N LOW HIGH: the seed's N-th number between LOW and HIGH, two decimals.
random() {
    awk -v s="$seed" -v n="$1" -v lo="$2" -v hi="$3" \
        'BEGIN { srand(s); for (i = 0; i < n; i++) r = rand(); printf "%.2f\n", lo + r * (hi - lo) }'
}

prefix_stop() {
    "$WINESERVER" -k 2>/dev/null
    timeout 30 "$WINESERVER" -w 2>/dev/null
}

# The Unix ids of this prefix's processes that host BITS: svchost.exe of the
# netsvcs group with our qmgr.dll loaded (the watchdog, svchost -k
# BitsWatchdog, loads it too and must live).  Other prefixes (other work
# trees) may run their own at the same time: the DLL's path tells ours apart.
service_pids() {
    _fl_dll="$(cd "$WINEPREFIX" && pwd -P)/drive_c/windows/system32/qmgr.dll"
    for _fl_proc in /proc/[0-9]*; do
        _fl_cmd=$(tr '\0' ' ' 2>/dev/null <"$_fl_proc/cmdline")
        case "$_fl_cmd" in *svchost.exe*" -k netsvcs"*) ;; *) continue;; esac
        grep -qF "$_fl_dll" "$_fl_proc/maps" 2>/dev/null || continue
        # Not a zombie: one that is gone and not yet reaped has no maps anyway.
        echo "${_fl_proc#/proc/}"
    done
}

# hold_start / hold_stop: a program that keeps the prefix up (Wine stops it
# about 2 s after its last ordinary process exits), so that clients started
# one after another find the same prefix.
hold_start() {
    rm -f "$scratch/hold.stop"
    "$WINE" "$faultclient" faultclient hold "$(dos_path "$scratch/hold.stop")" 900 >/dev/null 2>&1 &
    hold_pid=$!
}
hold_stop() {
    [ -n "$hold_pid" ] || return 0
    : >"$scratch/hold.stop"
    _fl_i=0
    while kill -0 "$hold_pid" 2>/dev/null && [ $_fl_i -lt 100 ]; do sleep 0.1; _fl_i=$((_fl_i + 1)); done
    kill -9 "$hold_pid" 2>/dev/null
    wait "$hold_pid" 2>/dev/null
    hold_pid=
}
hold_alive() { [ -n "$hold_pid" ] && kill -0 "$hold_pid" 2>/dev/null; }

# A store with nothing of an earlier unit, and no file of ours left behind.
clean_store() {
    rm -rf "$store_dir"
    mkdir -p "$store_dir"
    rm -rf "$public_dir/qmgr_faults"
}

fault_cleanup() {
    hold_stop
    prefix_stop
    clean_store
}
