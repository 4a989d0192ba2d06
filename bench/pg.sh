#!/bin/bash
# PostgreSQL figures (issue 5), on a throwaway cluster (scripts/pg.sh):
#  1. `seq N | hs submit` into PostgreSQL (COPY in batches): tasks/s.
#  2. Scheduling throughput of 1 and of 2 "servers" sharing the database:
#     bench/schedule.c runs W processes, each on its own connection, that
#     schedule batches (FOR UPDATE SKIP LOCKED), store a result per task
#     and commit, as hs server does, without task processes.
#   N=1000000 M=100000 R=3 bench/pg.sh
source "$(dirname "$0")/common.sh"
N=${N:-1000000}
M=${M:-100000}
R=${R:-3}
SCHED=$PWD/build/bench/schedule
[ -x "$SCHED" ] || make -s build/bench/schedule || exit 1
PGDIR=/dev/shm/hs-pg-bench.$$
[ -w /dev/shm ] || PGDIR=$PWD/build/pg-bench.$$
eval "$(HS_PG_OWNER=$$ scripts/pg.sh start "$PGDIR")" || exit 1
trap 'scripts/pg.sh stop "$PGDIR" >/dev/null 2>&1' EXIT
export HYPERSHELL_DATABASE_PROVIDER=postgres HYPERSHELL_DATABASE_URL="$HS_PG_URL"
T=$(mktemp -d)
psql_q() { psql "$HS_PG_URL" -X -q -A -t -c "$1"; }

for r in $(seq "$R"); do
	fresh_site
	export HYPERSHELL_DATABASE_SCHEMA=sub$r
	read -r wall rss _ < <(timed bash -c "seq $N | $HS submit")
	[ "$(psql_q "select count(*) from sub$r.task")" = "$N" ] || { echo "wrong row count"; exit 1; }
	echo "$wall" >> "$T/sub"
	psql_q "drop schema sub$r cascade" 2>/dev/null
	rm -rf "$BDIR"
	echo "submit run $r: ${wall}s (peak ${rss} KiB)"
done
awk -v n="$N" -v s="$(median < "$T/sub")" 'BEGIN {
	printf "1. seq %d | hs submit into PostgreSQL: %.2fs = %.0f tasks/s (target >= 50000)\n", n, s, n / s }'

fresh_site
export HYPERSHELL_DATABASE_SCHEMA=sched
seq "$M" | "$HS" submit 2>/dev/null
revert() { psql_q "update sched.task set server_id = null, server_host = null, client_id = null,
	client_host = null, schedule_time = null, start_time = null, completion_time = null,
	exit_status = null, command = null" >/dev/null; psql_q "vacuum analyze sched.task"; }
revert
for r in $(seq "$R"); do
	for w in 1 2; do
		out=$("$SCHED" "$w" 100 2>&1) || { echo "$out"; exit 1; }
		echo "$out" | awk '{print $(NF-1)}' >> "$T/w$w"
		echo "schedule run $r: $out"
		revert
	done
done
rm -rf "$BDIR"
awk -v one="$(median < "$T/w1")" -v two="$(median < "$T/w2")" 'BEGIN {
	printf "2. scheduling: 1 server %.0f tasks/s, 2 servers %.0f tasks/s: %.2fx (target >= 1.5)\n",
	       one, two, two / one }'
rm -rf "$T"
