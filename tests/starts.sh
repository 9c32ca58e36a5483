#!/bin/sh
# Test unit "starts", run by tests/run-check: the prefix is started and
# stopped again and again (QMGR_STARTS times, 30 unless set), and each time
# the first client's CoCreateInstance answers; every other stop is the
# prefix's own (the last program ended), the others wineserver -k.  Prints
# how long each activation took and every failure's code.  A start and stop
# costs 6-9 s here: no new start begins after QMGR_STARTS_BUDGET seconds
# (270 unless set, within run-check's 300 s a unit), and the count of starts
# made is printed.
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
test_exe=${QMGR_TEST_EXE:-$top/build/x86_64/qmgr_test.exe}
starts=${QMGR_STARTS:-30}
budget_end=$(( $(date +%s) + ${QMGR_STARTS_BUDGET:-270} ))
failures=0
failed_starts=0
stuck=0
times=""
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

"$WINESERVER" -k 2>/dev/null; "$WINESERVER" -w 2>/dev/null
i=1
while [ $i -le "$starts" ] && [ "$(date +%s)" -lt $budget_end ]; do
    start=$(now_ms)
    out=$("$WINE" "$test_exe" recovery probe 2>&1 | tr -d '\r')
    rc=$?
    took=$(( $(now_ms) - start ))
    activation=$(echo "$out" | sed -n 's/^activation \([0-9a-fx]*\) after \([0-9]*\) ms$/\1 \2/p')
    if [ $rc -ne 0 ] || [ "${activation%% *}" != 0 ]; then
        failed_starts=$((failed_starts + 1))
        echo "Test failed: start $i: CoCreateInstance answered ${activation:-nothing} (exit $rc, ${took} ms in all)"
        echo "$out" | grep -v "^activation" | head -10 | sed 's/^    //; s/^/    /'
    else
        times="$times ${activation#* }"
    fi
    if [ $((i % 2)) -eq 1 ]; then
        # The prefix stops by itself once no program runs (about 2 s).
        if ! timeout 60 "$WINESERVER" -w; then
            stuck=$((stuck + 1))
            echo "Test failed: start $i: the prefix did not stop by itself within 60 s"
            "$WINESERVER" -k 2>/dev/null
        fi
    else
        "$WINESERVER" -k 2>/dev/null
    fi
    "$WINESERVER" -w 2>/dev/null
    i=$((i + 1))
done

summary=$(echo "$times" | tr ' ' '\n' | sed '/^$/d' | sort -n |
          awk '{ v[NR] = $1 } END { if (NR) printf "min %d, median %d, max %d ms", v[1], v[int((NR + 1) / 2)], v[NR] }')
echo "activation at a prefix's start: $summary"
made=$((i - 1))
[ $made -lt "$starts" ] && echo "note: only $made of $starts starts within the time budget"
failures=$((failed_starts + stuck))
echo "starts: $made starts, $failed_starts failed activations, $stuck prefixes that did not stop; $failures failures"
exit $failures
