#!/bin/sh
# Test unit "recovery", run by tests/run-check: the service's process is
# killed (kill -9) several times at random moments while a download runs and
# a queued job waits.  Each time the next client's CoCreateInstance works,
# without a prefix restart, and finds both jobs by their ids; every other
# time no client comes and the service must start again by itself.  The
# download then goes on to TRANSFERRED and the file equals its source.
# Prints, for each kill, how long the next client waited.
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
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bitsget=${BITSGET:-$top/build/x86_64/bitsget.exe}
test_exe=${QMGR_TEST_EXE:-$top/build/x86_64/qmgr_test.exe}
kills=${QMGR_RECOVERY_KILLS:-6}
dest='C:\users\Public\recovery.bin'
unix_dest="$WINEPREFIX/drive_c/users/Public/recovery.bin"
failures=0
check() { if eval "$1"; then echo "ok: $2"; else echo "Test failed: $2"; failures=$((failures + 1)); fi; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# prefix_pid NAME [ARGS]: the Unix pid of this prefix's process NAME (its
# /proc comm, as Wine sets it) whose command line contains ARGS.  comm is
# read without a fork: the scan runs many times a second.
prefix_pid() {
    for p in /proc/[0-9]*; do
        comm=
        { read -r comm <"$p/comm"; } 2>/dev/null
        [ "$comm" = "$1" ] || continue
        # (processes come and go: the redirections' errors are the shell's)
        cmd=$( (tr '\0' ' ' <"$p/cmdline") 2>/dev/null) || continue
        case $cmd in *"${2:-}"*) ;; *) continue;; esac
        ( tr '\0' '\n' <"$p/environ" ) 2>/dev/null | grep -qx "WINEPREFIX=$WINEPREFIX" || continue
        echo "${p#/proc/}"
        return 0
    done
    return 1
}
# wait_bits NOT_PID SECONDS: waits for the BITS service's process, other
# than NOT_PID; prints its pid.
wait_bits() {
    end=$(( $(date +%s) + $2 ))
    while [ "$(date +%s)" -le $end ]; do
        pid=$(prefix_pid svchost.exe "-k netsvcs") && [ "$pid" != "$1" ] && { echo "$pid"; return 0; }
        sleep 0.05
    done
    return 1
}
# The prefix's wineserver (wineserver64 or wineserver32 on Debian).
server_pid() { prefix_pid wineserver64 || prefix_pid wineserver32 || prefix_pid wineserver; }

# 64 MiB through nginx's 1 MiB/s location: about a minute, over all the
# kills (each restart resumes with a Range request).
rm -f "$unix_dest"
"$WINESERVER" -k 2>/dev/null; "$WINESERVER" -w 2>/dev/null

queued=$("$WINE" "$test_exe" recovery create | tr -d '\r' | sed -n 's/^job //p')
check '[ -n "$queued" ]' "queued job created and in the store ($queued)"
guid=$("$WINE" "$bitsget" --detach -p foreground "http://127.0.0.1:$QMGR_HTTP_PORT/slow/64m.bin?recovery" "$dest" | tr -d '\r')
check '[ -n "$guid" ]' "download created and resumed ($guid)"
services=$(prefix_pid services.exe)
server=$(server_pid)

round=1
while [ $round -le "$kills" ]; do
    pause=$(awk -v seed="$$$round" 'BEGIN { srand(seed); printf "%.2f", 0.3 + rand() * 3 }')
    sleep "$pause"
    if ! pid=$(wait_bits "" 30); then
        check false "round $round: a service process to kill"
        break
    fi
    kill -9 "$pid"
    killed=$(now_ms)
    if [ $((round % 2)) -eq 0 ]; then
        # No client: the watchdog starts the service again by itself (crashes
        # in a row wait 1, 2, 4 ... s, up to a minute).
        new=$(wait_bits "$pid" 90)
        check '[ -n "$new" ]' "round $round: the service started again by itself after $(( $(now_ms) - killed )) ms"
    fi
    out=$("$WINE" "$test_exe" recovery probe "$queued" "$guid" 2>&1 | tr -d '\r')
    rc=$?
    served=$(( $(now_ms) - killed ))
    activation=$(echo "$out" | sed -n 's/^activation 0 after \([0-9]*\) ms$/\1/p')
    echo "round $round: killed process $pid ${pause}s after the last round; next client done ${served} ms after the kill, its CoCreateInstance ${activation:-failed} ms"
    check '[ $rc -eq 0 ] && [ -n "$activation" ]' "round $round: the next client's CoCreateInstance succeeded"
    check 'echo "$out" | grep -q "^$queued SUSPENDED$"' "round $round: GetJob finds the queued job"
    check 'echo "$out" | grep -Eq "^$guid (QUEUED|CONNECTING|TRANSFERRING|TRANSIENT_ERROR|TRANSFERRED)$"' \
        "round $round: GetJob finds the download ($(echo "$out" | sed -n "s/^$guid //p"))"
    [ $rc -eq 0 ] || echo "$out" | sed 's/^/    /'
    round=$((round + 1))
    # Once the download is done, no job has work and the prefix may stop.
    echo "$out" | grep -q "^$guid TRANSFERRED$" && break
done
made=$((round - 1))
check '[ $made -ge 5 ]' "$made kills while the download ran (5 at least)"

out=$("$WINE" "$bitsget" --complete "$guid" 2>&1 | tr -d '\r')
echo "$out" | head -3
check 'echo "$out" | grep -q "found in state"' "the download is found after the kills"
check 'cmp -s "$unix_dest" "$QMGR_WWW/64m.bin"' "the download went on to TRANSFERRED and equals its source"
check '[ "$(prefix_pid services.exe)" = "$services" ] && [ "$(server_pid)" = "$server" ]' \
    "the prefix was never restarted (services.exe $services, wineserver $server)"

"$WINE" "$test_exe" recovery cancel "$queued" >/dev/null 2>&1
rm -f "$unix_dest"
echo "recovery: $failures failures"
exit $failures
