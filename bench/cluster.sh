#!/bin/bash
# hsx figures (issue 4), each beside its baseline in the same session:
#  1. `seq N | hsx -t true -N2` (SQLite, TLS, confirmations: the defaults)
#     against `xargs -P2 -I{} sh -c true` and GNU `parallel -j2 true`;
#     runner CPU per task = hsx's own (server + feeder, RUSAGE_SELF) plus
#     its client's, from their summary lines, minus xargs' own per task.
#  2. `seq 1 | hsx -t true` wall time (median of L runs; target < 100 ms).
#  3. `seq M | hsx -t true -N4 --no-db` peak memory (target < 64 MiB).
#   N=20000 R=3 L=11 M=100000 bench/cluster.sh
source "$(dirname "$0")/common.sh"
N=${N:-20000}
R=${R:-3}
L=${L:-11}
M=${M:-100000}
HSX=$(dirname "$HS")/hsx
[ -x "$HSX" ] || { echo "no $HSX (make builds it)" >&2; exit 1; }

ms() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN {print (b - a) / 1e9}'; }

run_hsx() {   # prints: wall_s server_us client_us
	fresh_site
	seq 1 | "$HSX" -t true 2>/dev/null   # the certificate is made once per site
	local s e sc cc
	s=$(ms)
	seq "$N" | "$HSX" -t true -N2 2> "$BDIR/hsx.log" >/dev/null
	e=$(ms)
	sc=$(sed -n 's/.*server CPU \([0-9]*\) us\/task.*/\1/p' "$BDIR/hsx.log")
	cc=$(sed -n 's/.*client CPU \([0-9]*\) us\/task.*/\1/p' "$BDIR/hsx.log")
	[ "$(sqlite3 "$HYPERSHELL_SITE/lib/main.db" 'select count(*) from task where exit_status = 0')" = "$((N + 1))" ] ||
		{ echo "not every task succeeded" >&2; tail "$BDIR/hsx.log" >&2; exit 1; }
	echo "$(secs "$s" "$e") $sc $cc"
	rm -rf "$BDIR"
}

run_xargs() {   # prints: wall_s self_cpu_us_per_task
	local out s e cpu_ms
	out=$(seq "$N" | perf stat -i -x, -e task-clock -- xargs -P2 -I{} sh -c true 2>&1 >/dev/null)
	s=$(ms); seq "$N" | xargs -P2 -I{} sh -c true; e=$(ms)
	cpu_ms=$(echo "$out" | awk -F, '/task-clock/ {print $1}')
	echo "$(secs "$s" "$e") $(awk -v c="$cpu_ms" -v n="$N" 'BEGIN {print c * 1000 / n}')"
}

run_parallel() {
	local s e
	s=$(ms); seq "$N" | parallel -j2 true; e=$(ms)
	secs "$s" "$e"
}

T=$(mktemp -d)
for r in $(seq "$R"); do
	read -r w sc cc < <(run_hsx)
	read -r xw xc < <(run_xargs)
	pw=$( [ "$N" -le 5000 ] || [ -n "${PARALLEL_FULL:-}" ] && run_parallel || echo "")
	echo "$w" >> "$T/hs"; echo "$sc" >> "$T/sc"; echo "$cc" >> "$T/cc"
	echo "$xw" >> "$T/x"; echo "$xc" >> "$T/xc"; [ -n "$pw" ] && echo "$pw" >> "$T/p"
	echo "run $r: hsx ${w}s (hsx ${sc} us/task, client ${cc} us/task), xargs ${xw}s (self ${xc} us/task)${pw:+, parallel ${pw}s}"
done
hs=$(median < "$T/hs"); x=$(median < "$T/x"); sc=$(median < "$T/sc")
cc=$(median < "$T/cc"); xc=$(median < "$T/xc")
awk -v n="$N" -v hs="$hs" -v x="$x" -v sc="$sc" -v cc="$cc" -v xc="$xc" 'BEGIN {
	printf "1. seq %d | hsx -t true -N2: %.2fs (%.0f tasks/s); xargs -P2 %.2fs (%.0f tasks/s)\n", n, hs, n / hs, x, n / x
	printf "   throughput hsx/xargs: %.2f (target >= 0.80)\n", x / hs
	printf "   runner CPU: hsx %d + client %d - xargs itself %.0f = %.0f us/task (target <= 100)\n",
	       sc, cc, xc, sc + cc - xc
}'
if [ -s "$T/p" ]; then
	p=$(median < "$T/p")
	awk -v p="$p" -v hs="$hs" 'BEGIN { printf "   GNU parallel -j2: %.2fs; hsx/parallel throughput: %.2f (target >= 2)\n", p, p / hs }'
else
	echo "   (GNU parallel skipped for N > 5000: PARALLEL_FULL=1 to run it)"
fi

# 2. one task, start to finish
fresh_site
seq 1 | "$HSX" -t true 2>/dev/null
for i in $(seq "$L"); do
	s=$(ms); seq 1 | "$HSX" -t true 2>/dev/null; e=$(ms)
	secs "$s" "$e" >> "$T/one"
done
rm -rf "$BDIR"
awk -v m="$(median < "$T/one")" 'BEGIN { printf "2. seq 1 | hsx -t true: median %.0f ms (target < 100)\n", m * 1000 }'

# 3. memory with --no-db
fresh_site
seq 1 | "$HSX" -t true 2>/dev/null
seq "$M" > "$BDIR/in"
read -r wall rss _ < <(timed "$HSX" -t true -N4 --no-db "$BDIR/in")
rm -rf "$BDIR" "$T"
awk -v m="$M" -v r="$rss" -v w="$wall" 'BEGIN {
	printf "3. seq %d | hsx -t true -N4 --no-db: peak RSS %.1f MiB (target < 64), %.1fs\n", m, r / 1024, w }'
