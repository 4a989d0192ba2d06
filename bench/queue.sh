#!/bin/bash
# Queue throughput and runner cost: N no-op tasks (`true`) through one
# `hs server` and one `hs client -N 2` (SQLite, TLS, confirmations on),
# against `xargs -P2 -I{} sh -c true` and GNU `parallel -j2 true` run in
# the same session. Prints medians of R runs, the ratios, and the runner's
# own CPU per task: the server's and the client's (from their summary
# lines, getrusage RUSAGE_SELF) minus what xargs itself spends per task.
#   N=20000 R=3 B=1 bench/queue.sh        (B: server bundle size)
source "$(dirname "$0")/common.sh"
N=${N:-20000}
R=${R:-3}
B=${B:-1}
KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
PORT=$(free_port)

run_hs() {   # prints: wall_s server_us client_us
	fresh_site
	seq "$N" | "$HS" submit 2>/dev/null
	"$HS" server -k "$KEY" -p "$PORT" -b "$B" 2> "$BDIR/server.log" &
	local spid=$! i
	for i in $(seq 100); do grep -q Listening "$BDIR/server.log" && break; sleep 0.1; done
	local s e
	s=$(date +%s%N)
	"$HS" client -k "$KEY" -p "$PORT" -N 2 -t true 2> "$BDIR/client.log" >/dev/null
	e=$(date +%s%N)
	wait "$spid"
	local sc cc
	sc=$(sed -n 's/.*server CPU \([0-9]*\) us\/task.*/\1/p' "$BDIR/server.log")
	cc=$(sed -n 's/.*client CPU \([0-9]*\) us\/task.*/\1/p' "$BDIR/client.log")
	[ "$(sqlite3 "$HYPERSHELL_SITE/lib/main.db" 'select count(*) from task where exit_status = 0')" = "$N" ] ||
		{ echo "not every task succeeded" >&2; exit 1; }
	echo "$(awk -v a="$s" -v b="$e" 'BEGIN {print (b - a) / 1e9}') $sc $cc"
	rm -rf "$BDIR"
}

run_xargs() {   # prints: wall_s self_cpu_us_per_task
	local out
	out=$(seq "$N" | perf stat -i -x, -e task-clock -- xargs -P2 -I{} sh -c true 2>&1 >/dev/null)
	local cpu_ms wall s e
	s=$(date +%s%N)
	seq "$N" | xargs -P2 -I{} sh -c true
	e=$(date +%s%N)
	cpu_ms=$(echo "$out" | awk -F, '/task-clock/ {print $1}')
	echo "$(awk -v a="$s" -v b="$e" 'BEGIN {print (b - a) / 1e9}') $(awk -v c="$cpu_ms" -v n="$N" 'BEGIN {print c * 1000 / n}')"
}

run_parallel() {
	local s e
	s=$(date +%s%N)
	seq "$N" | parallel -j2 true
	e=$(date +%s%N)
	awk -v a="$s" -v b="$e" 'BEGIN {print (b - a) / 1e9}'
}

: > /tmp/q.hs; : > /tmp/q.sc; : > /tmp/q.cc; : > /tmp/q.x; : > /tmp/q.xc; : > /tmp/q.p
for r in $(seq "$R"); do
	read -r w sc cc < <(run_hs)
	read -r xw xc < <(run_xargs)
	pw=$( [ "$N" -le 5000 ] || [ -n "${PARALLEL_FULL:-}" ] && run_parallel || echo "")
	echo "$w" >> /tmp/q.hs; echo "$sc" >> /tmp/q.sc; echo "$cc" >> /tmp/q.cc
	echo "$xw" >> /tmp/q.x; echo "$xc" >> /tmp/q.xc; [ -n "$pw" ] && echo "$pw" >> /tmp/q.p
	echo "run $r: hs ${w}s (server ${sc} us/task, client ${cc} us/task), xargs ${xw}s (self ${xc} us/task)${pw:+, parallel ${pw}s}"
done
hs=$(median < /tmp/q.hs); x=$(median < /tmp/q.x); sc=$(median < /tmp/q.sc)
cc=$(median < /tmp/q.cc); xc=$(median < /tmp/q.xc)
awk -v n="$N" -v hs="$hs" -v x="$x" -v sc="$sc" -v cc="$cc" -v xc="$xc" -v b="$B" 'BEGIN {
	printf "N=%d, -b %d: hs %.2fs (%.0f tasks/s), xargs -P2 %.2fs (%.0f tasks/s)\n", n, b, hs, n / hs, x, n / x
	printf "throughput hs/xargs: %.2f (target >= 0.80, 0.90 with -b 100)\n", x / hs
	printf "runner CPU: server %d + client %d - xargs itself %.0f = %.0f us/task (target <= 100)\n",
	       sc, cc, xc, sc + cc - xc
}'
if [ -s /tmp/q.p ]; then
	p=$(median < /tmp/q.p)
	awk -v n="$N" -v hs="$hs" -v p="$p" 'BEGIN {
		printf "GNU parallel -j2: %.2fs; hs/parallel throughput: %.2f (target >= 2)\n", p, p / hs }'
else
	echo "(GNU parallel skipped for N > 5000: PARALLEL_FULL=1 to run it; it needs ~10 ms per job)"
fi
