#!/bin/sh
# Test unit "damagestore", run by tests/run-check: the job store damaged 50
# ways.  A store of 20 jobs is made through the API (faultclient populate:
# suspended, transferred, in ERROR, with ranges) and kept, and
# tests/storedamage.py makes 50 copies of it, each with one file damaged
# (truncated, bytes flipped, random contents, empty, over-long names and
# numbers, ranges at 2^64, an error naming a missing file, a job id twice,
# an unknown version ...).  For each, with the service stopped, the copy
# becomes the store and a client (faultclient survey) starts the service:
# the activation must work, every job but the damaged one must be listed
# exactly once, and every listed job must answer every getter (the damaged
# one, if listed, and the intact ones the getters that show them whole),
# each run bounded in time.
# A case that fails gets the next one a new prefix, so that it cannot spoil it.
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
python=${QMGR_PYTHON:-/usr/bin/python3}
cases=$("$python" "$top/tests/storedamage.py" --count)
# How long one survey may take before the service counts as hung.
survey_timeout=40

rm -rf "$scratch"
mkdir -p "$scratch"
prefix_stop
clean_store
trap fault_cleanup EXIT
echo "seed $seed (QMGR_FAULT_SEED repeats it), $cases damaged stores"

run_client 180 "$scratch/populate.out" populate 20 "$(dos_path "$scratch/jobs.list")"
rc=$?
grep -E "^faults: |Test failed" "$scratch/populate.out"
check '[ $rc -eq 0 ] && [ "$(grep -c . "$scratch/jobs.list")" -eq 20 ]' "a store of 20 jobs was made and the service stopped (exit $rc)"
prefix_stop
cp -a "$store_dir" "$scratch/intact"

"$python" "$top/tests/storedamage.py" --all "$scratch/intact" "$scratch/cases" "$seed" "$scratch/jobs.list"

# A client per case: one whose service died under it may be left unsound.
hold_start
survived=0 not_applicable=0 hung=0 failed_starts=0 duplicated=0
n=1
while [ $n -le "$cases" ]; do
    rm -rf "$store_dir"
    mv "$scratch/cases/$n" "$store_dir"
    what=$(cat "$scratch/cases/$n.txt")
    damaged=${what%% *}
    out="$scratch/case-$n.out"
    run_client $survey_timeout "$out" survey "$(dos_path "$scratch/jobs.list")" "$damaged"
    rc=$?
    case $what in *": not applicable, "*) not_applicable=$((not_applicable + 1));; esac
    if [ $rc -eq 0 ]; then
        survived=$((survived + 1))
        echo "case $n survived: ${what#* }"
    else
        failures=$((failures + 1))
        echo "Test failed: case $n: ${what#* }: exit $rc$([ $rc -ge 124 ] && echo ", no answer within $survey_timeout s")"
        grep -E "^faults: |Test failed|Unhandled" "$out" | grep -v "activation ok" | head -10 | sed 's/^/    /'
        [ $rc -ge 124 ] && hung=$((hung + 1))
        cp -a "$store_dir" "$scratch/store-case-$n"
        echo "    the store after the run is in $scratch/store-case-$n"
        grep -q "activation FAILED" "$out" && failed_starts=$((failed_starts + 1))
        grep -q "listed twice" "$out" && duplicated=$((duplicated + 1))
        # The service may be hung or dead: the next case gets a new prefix.
        hold_stop
        prefix_stop
        hold_start
    fi
    n=$((n + 1))
done
# A case whose line the store's format no longer has damages nothing.
echo "damagestore: store damages survived: $survived of $cases ($not_applicable not applicable); hung $hung, failed starts $failed_starts, a job listed twice $duplicated; $failures failures"
exit $failures
