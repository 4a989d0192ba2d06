#!/bin/sh
# Run cmocka test binaries; print one line per binary and a summary.
# usage: unit.sh LABEL BINARY...   (writes "passed failed" to $RESULTS/LABEL)
label=$1; shift
passed=0; failed=0
for t in "$@"; do
	out=$("$t" 2>&1); rc=$?
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	p=${p:-0}; f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # crashed or died early
	passed=$((passed + p)); failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		printf '%s\n' "$out" | grep -E 'FAILED|ERROR|error|Sanitizer|runtime error' | head -20
		echo "FAIL $(basename "$t"): $f failed"
	else
		echo "ok   $(basename "$t"): $p passed"
	fi
done
echo "$label: $passed passed, $failed failed"
[ -n "${RESULTS:-}" ] && echo "$passed $failed" > "$RESULTS/$label"
[ "$failed" -eq 0 ]
