#!/bin/bash
# Query latency on a 1,000,000-row database: hs list --count --remaining and
# hs list --failed --limit 100 (targets: under 300 ms each). 1% of the tasks
# are marked failed and 50% finished. Medians of 7 runs.
source "$(dirname "$0")/common.sh"
N=${N:-1000000}
fresh_site
seq "$N" | "$HS" submit 2>/dev/null
DB=$HYPERSHELL_SITE/lib/main.db
sqlite3 "$DB" "update task set exit_status = 0, completion_time = submit_time where rowid % 2 = 0;
               update task set exit_status = 1, completion_time = submit_time where rowid % 100 = 1;"
for q in "list --count --remaining" "list --failed --limit 100" "list --count --failed"; do
	: > "$BDIR/t"
	for i in 1 2 3 4 5 6 7; do
		s=$(date +%s%N); "$HS" $q > /dev/null; e=$(date +%s%N)
		echo $(( (e - s) / 1000000 )) >> "$BDIR/t"
	done
	printf 'hs %-28s median %4d ms over %d rows\n' "$q" "$(median < "$BDIR/t")" "$N"
done
rm -rf "$BDIR"
