#!/bin/sh
# Test unit "lifetime", run by tests/run-check: a download goes on after the
# program that started it has exited and no other program runs in the
# prefix, and a later process finds the job by its id and completes it
# (what Firefox's update agent does).  Without a process keeping the prefix
# up, Wine stops it about 2 s after the last program exits.
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
dest='C:\users\Public\lifetime.bin'
unix_dest="$WINEPREFIX/drive_c/users/Public/lifetime.bin"
failures=0
check() { if eval "$1"; then echo "ok: $2"; else echo "Test failed: $2"; failures=$((failures + 1)); fi; }

# 6 MiB through nginx's 1 MiB/s location: about 5 s.
head -c 6291456 "$QMGR_WWW/64m.bin" > "$QMGR_WWW/6m.bin"
rm -f "$unix_dest"
"$WINESERVER" -k 2>/dev/null; "$WINESERVER" -w 2>/dev/null
# Only this unit's job: a job with work left by another unit would keep the
# prefix up by right (its lines are logged below).
store_dir="$WINEPREFIX/drive_c/ProgramData/Microsoft/Network/Downloader"
for job in "$store_dir"/*.job; do
    [ -f "$job" ] || continue
    echo "note: set aside a job left by an earlier unit, $(basename "$job"):"
    tr -d '\r' <"$job" | grep -E '^(name|state|file) ' | sed 's/^/    /'
    rm -f "$job"
done

guid=$("$WINE" "$bitsget" --detach -p foreground "http://127.0.0.1:$QMGR_HTTP_PORT/slow/6m.bin?lifetime" "$dest" | tr -d '\r')
check '[ -n "$guid" ]' "job created and resumed ($guid)"
# Waits, without starting a program (one would keep the prefix up by
# itself), until the service's store says TRANSFERRED ("state 6" in
# ProgramData\Microsoft\Network\Downloader\{GUID}.job, rewritten within a
# second of each change): 60 s at most, for about 6 s of work.
store="$store_dir/$guid.job"
start=$(date +%s)
transferred=no
while [ $(( $(date +%s) - start )) -lt 60 ]; do
    if cat "$store" 2>/dev/null | tr -d '\r' | grep -qx 'state 6'; then transferred=yes; break; fi
    sleep 0.1
done
check '[ $transferred = yes ]' "the store says TRANSFERRED while no program runs (after $(( $(date +%s) - start )) s)"
out=$("$WINE" "$bitsget" --complete "$guid" 2>&1 | tr -d '\r')
echo "$out"
check 'echo "$out" | grep -q "found in state TRANSFERRED"' "the download finished with no program left in the prefix"
check 'cmp -s "$unix_dest" "$QMGR_WWW/6m.bin"' "the completed file equals the source"

# With nothing left to do, nothing keeps the prefix up any more.
# (about 7 s: the keeper's five, then Wine's two; 60 s at most)
if timeout 60 "$WINESERVER" -w; then stopped=yes; else stopped=no; fi
check '[ $stopped = yes ]' "the prefix stops once no job has work"
if [ $stopped = no ]; then
    # What keeps it up: jobs the store still has, and the prefix's processes.
    for job in "$store_dir"/*.job; do
        [ -f "$job" ] && { echo "store: $(basename "$job"):"; tr -d '\r' <"$job" | sed 's/^/    /'; }
    done
    for pid in $(pgrep -f '\.exe'); do
        tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "WINEPREFIX=$WINEPREFIX" &&
            echo "process $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline")"
    done
fi
rm -f "$unix_dest" "$QMGR_WWW/6m.bin"
echo "lifetime: $failures failures"
exit $failures
