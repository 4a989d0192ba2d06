#!/bin/bash
# The runner's own cost per task in instructions, which this noisy 2-core
# machine cannot blur (its CPU time per task drifts by 25% in a session):
# `seq N | hsx -t true -N2` (SQLite, TLS, confirmations) with the hsx
# process (server, its stdin feeder thread) under callgrind; the client
# and the tasks run natively. Counted at two sizes, so start-up (TLS key,
# database, dynamic linking) cancels out: (I(N2) - I(N1)) / (N2 - N1).
# Prints the figure and the functions that cost the most per task.
#   N1=500 N2=1500 bench/instructions.sh
source "$(dirname "$0")/common.sh"
N1=${N1:-500}
N2=${N2:-1500}
HSX=$(dirname "$HS")/hsx
command -v valgrind >/dev/null || { apt-get install -y -q valgrind >/dev/null 2>&1 ||
	sudo apt-get install -y -q valgrind >/dev/null; }

count() {   # count N: total instructions of hsx for N tasks; keeps the profile
	fresh_site
	seq 1 | "$HSX" -t true 2>/dev/null
	seq "$1" | valgrind --tool=callgrind --callgrind-out-file="$BDIR/cg.out" \
		"$HSX" -t true -N2 > /dev/null 2> "$BDIR/log"
	grep -q "Cluster done: $1 tasks" "$BDIR/log" || { echo "hsx failed:" >&2; tail -5 "$BDIR/log" >&2; exit 1; }
	cp "$BDIR/cg.out" "/tmp/hsbench-cg.$1"
	awk '/^(summary|totals):/ {print $2; exit}' "$BDIR/cg.out"
	rm -rf "$BDIR"
}

i1=$(count "$N1")
i2=$(count "$N2")
awk -v a="$i1" -v b="$i2" -v n1="$N1" -v n2="$N2" 'BEGIN {
	printf "hsx (server + feeder) instructions per task: %.0f (N=%d: %d, N=%d: %d)\n",
	       (b - a) / (n2 - n1), n1, a, n2, b }'
echo "most instructions per task (inclusive, N=$N2):"
callgrind_annotate --inclusive=yes "/tmp/hsbench-cg.$N2" 2>/dev/null |
	grep -E "src/[a-z_]+\.c:(sqlite_schedule|claim|send_bundles|work_flush|sqlite_complete|dec_tasks|hs_dec_ids|handle_line|op_insert) \[" |
	sed 's/,//g' | awk -v n="$N2" '{f = $(NF - 1); sub(/^.*src\//, "", f); printf "  %7.0f  %s\n", $1 / n, f}'
