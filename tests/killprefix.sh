#!/bin/sh
# Test unit "killprefix", run by tests/run-check: a job downloads a 64 MiB
# file through nginx's /limited/ location (3 MiB/s) and the whole prefix is
# killed with "wineserver -k" (every process, the service included, at
# once) at 5 random moments of the download.  After each, a new client
# finds the job by its id (GetJob) and sees it go on by itself, without a
# Resume (faultclient follow); nginx's access log must show a Range request
# for each restart, the file must equal its source at the end, and nginx
# must have served less than 2% more than the file's size.
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
. "$top/tests/faultlib.sh"
kills=${QMGR_PREFIX_KILLS:-5}
source="$QMGR_WWW/64m.bin"
size=$(stat -c %s "$source")
# A query no other request of any run carries: this unit's lines in the log.
key="killprefix-$seed-$$"
url="http://127.0.0.1:$QMGR_HTTP_PORT/limited/64m.bin?$key"
dest='C:\users\Public\qmgr_faults\killprefix.bin'
unix_dest="$public_dir/qmgr_faults/killprefix.bin"

rm -rf "$scratch"
mkdir -p "$scratch"
prefix_stop
clean_store
trap fault_cleanup EXIT
mkdir -p "$public_dir/qmgr_faults"
echo "seed $seed (QMGR_FAULT_SEED repeats it), $kills kills of the prefix, $size bytes from $url"

# Into a file, not a pipe: the prefix's processes, started by this one,
# would hold a pipe open until the prefix stops.
"$WINE" "$bitsget" --detach -p foreground "$url" "$dest" >"$scratch/bitsget.out" 2>&1
guid=$(tr -d '\r' <"$scratch/bitsget.out")
check 'echo "$guid" | grep -qE "^\{[0-9A-F-]{36}\}$"' "job created and resumed ($guid)"

k=1
while [ $k -le "$kills" ]; do
    # The service's keeper keeps the prefix up while the job has work.
    delay=$(random $k 0.2 0.8)
    sleep "$delay"
    prefix_stop
    echo "kill $k: wineserver -k, $delay s after the download went on"
    run_client 90 "$scratch/follow-$k.out" follow "$guid"
    rc=$?
    grep -E "^faults: |Test failed" "$scratch/follow-$k.out" | sed "s/^faults: /kill $k: /"
    check '[ $rc -eq 0 ]' "after kill $k the job was found by its id and went on without Resume (exit $rc)"
    # "found {GUID} in state S at A of B bytes": not yet transferred.
    check 'grep -qE "^faults: found .* in state [0-5] at" "$scratch/follow-$k.out"' "kill $k came in the middle of the download"
    k=$((k + 1))
done

run_client 300 "$scratch/finish.out" finish "$guid"
rc=$?
grep -E "^faults: |Test failed" "$scratch/finish.out"
check '[ $rc -eq 0 ]' "the job was transferred and completed (exit $rc)"
check 'cmp -s "$unix_dest" "$source"' "the file equals its source"

# nginx logs a request once it ends, a cut one when it sees the connection
# gone: all are there once the job is complete.
grep -F "?$key " "$QMGR_NGINX_LOG" >"$scratch/requests.log"
sed 's/^/    /' "$scratch/requests.log" | cut -c1-200
requests=$(wc -l <"$scratch/requests.log")
ranged=$(grep -cE ' 206 [0-9]+ range="bytes=[1-9][0-9]*-"' "$scratch/requests.log")
served=$(awk '{ for (i = 1; i < NF; i++) if ($i ~ /^HTTP\/[0-9.]+"$/) { sum += $(i + 2); break } } END { printf "%.0f", sum }' \
    "$scratch/requests.log")
fraction=$(awk -v s="$served" -v n="$size" 'BEGIN { printf "%.4f", s / n - 1 }')
check '[ "$ranged" -ge "$kills" ]' "each restart went on with a Range request ($ranged of $requests requests)"
check 'awk -v f="$fraction" "BEGIN { exit !(f < 0.02) }"' "re-fetched $fraction of the file ($served bytes served for $size), under 0.02"
echo "killprefix: $kills kills of the prefix; $requests requests, $ranged with a Range; re-fetched fraction $fraction; $failures failures"
exit $failures
