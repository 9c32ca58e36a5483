#!/bin/sh
# Test unit "killservice", run by tests/run-check: the BITS service's
# process (the svchost.exe hosting our qmgr.dll) is killed with kill -9 at
# 20 random moments while a client creates and changes jobs (CreateJob,
# AddFile, SetDisplayName, SetDescription, SetPriority, Suspend, Resume,
# Cancel, Complete) and their transfers run against nginx.  The client
# (faultclient churn) logs every call before making it and every success
# before its next call; after each kill the next client checks the log
# against the service, and at the end a last one (faultclient check final)
# finishes every job.  Nothing acknowledged may be lost, no job listed
# twice, no cancelled or completed job come back, every finished file must
# equal its source, and every client must be served.
#
# SERVICE_COMES_BACK: "yes" as the service comes back by itself after a
# kill (the watchdog, dlls/qmgr/watchdog.c, does what Windows' service
# control manager does): the prefix stays up for the whole unit (a program
# holds it) and the next client must be served by it, without a restart.
# "no" restarts the prefix after each kill (wineserver -k), for a service
# that does not come back.  QMGR_SERVICE_COMES_BACK overrides it.
SERVICE_COMES_BACK=yes
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
comes_back=${QMGR_SERVICE_COMES_BACK:-$SERVICE_COMES_BACK}
rounds=${QMGR_KILL_ROUNDS:-20}
log="$scratch/churn.log"

rm -rf "$scratch"
mkdir -p "$scratch"
prefix_stop
clean_store
trap fault_cleanup EXIT
echo "seed $seed (QMGR_FAULT_SEED repeats it), $rounds kills, the service comes back by itself: $comes_back"
[ "$comes_back" = yes ] && hold_start

kills=0 hung=0 clients=0 failed_activations=0
round=1
while [ $round -le "$rounds" ]; do
    out="$scratch/churn-$round.out"
    run_client 150 "$out" churn "$(dos_path "$log")" 60 $((seed + round)) $round &
    client=$!
    clients=$((clients + 1))
    # It writes "R ROUND" once it has checked the log and starts changing jobs.
    i=0
    while ! grep -qx "R $round" "$log" 2>/dev/null && kill -0 $client 2>/dev/null && [ $i -lt 900 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    delay=$(random $round 0.1 1.5)
    sleep "$delay"
    pids=$(service_pids)
    if ! grep -qx "R $round" "$log" 2>/dev/null; then
        echo "round $round: the churn did not begin"
    elif [ -n "$pids" ]; then
        # shellcheck disable=SC2086 # one or more ids
        kill -9 $pids
        kills=$((kills + 1))
        echo "round $round: kill -9 $pids, $delay s after the churn began"
    else
        echo "round $round: no service process to kill"
    fi
    wait $client
    rc=$?
    if [ $rc -ge 124 ]; then
        hung=$((hung + 1))
        # The store as the service had it, for whoever looks into it.
        cp -a "$store_dir" "$scratch/store-round-$round"
        echo "Test failed: round $round: the client did not end (exit $rc); the store is in $scratch/store-round-$round"
        # A hung service would hang the next rounds too: they get a new prefix.
        if [ "$comes_back" = yes ]; then
            hold_stop
            prefix_stop
            hold_start
        fi
    fi
    grep -E "^faults: (activation|check|churn)" "$out" | sed "s/^faults: /round $round: /"
    if [ $rc -ge 124 ]; then
        :
    elif grep -q "activation FAILED" "$out"; then
        failed_activations=$((failed_activations + 1))
        echo "Test failed: round $round: the client was not served"
        # Nothing more to learn from this prefix: the next round gets a new one.
        if [ "$comes_back" = yes ]; then
            hold_stop
            prefix_stop
            hold_start
        fi
    elif [ "$comes_back" = yes ]; then
        check hold_alive "round $round: the prefix is still the same (the program holding it lives)"
    fi
    [ "$comes_back" = yes ] || prefix_stop
    round=$((round + 1))
done

run_client 300 "$scratch/final.out" check "$(dos_path "$log")" final
rc=$?
clients=$((clients + 1))
if grep -q "activation FAILED" "$scratch/final.out"; then
    failed_activations=$((failed_activations + 1))
    echo "Test failed: the last client was not served"
    # What was kept is still to be counted, in a new prefix.
    hold_stop
    prefix_stop
    run_client 300 "$scratch/final.out" check "$(dos_path "$log")" final
    rc=$?
fi
grep -E "^faults: |Test failed" "$scratch/final.out" | grep -vE "faults: job .* (is gone|lost|came back)" | head -40

lost=$(sed -n 's/^faults: final: operations acknowledged and lost: \([0-9]* of [0-9]*\).*/\1/p' "$scratch/final.out")
duplicates=$(sed -n 's/^faults: final: duplicates \([0-9]*\),.*/\1/p' "$scratch/final.out")
check '[ $rc -eq 0 ]' "every acknowledged operation is there, no job twice, every file identical (exit $rc)"
check '[ $kills -eq $rounds ]' "the service was killed $kills times of $rounds"
check '[ $hung -eq 0 ]' "no client hung ($hung did)"
check '[ $failed_activations -eq 0 ]' "every client was served ($failed_activations activations of $clients failed)"
echo "killservice: $kills kills; operations acknowledged and lost: ${lost:-?}; duplicates ${duplicates:-?}; failed activations $failed_activations of $clients clients; prefix restarted after each kill: $([ "$comes_back" = yes ] && echo no || echo yes); $failures failures"
exit $failures
