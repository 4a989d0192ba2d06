#!/bin/bash
# Submit throughput: `seq N | hs submit` into a fresh SQLite database,
# against bench/bare_insert.c (same rows, same schema, one prepared
# statement) as the yardstick. Prints medians of R runs, the ratio and the
# peak memory of hs submit.  N=1000000 R=3 bench/submit.sh
source "$(dirname "$0")/common.sh"
N=${N:-1000000}
R=${R:-3}
BARE=$PWD/build/bench/bare_insert
[ -x "$BARE" ] || make -s build/bench/bare_insert || exit 1
: > /tmp/hsbench.hs; : > /tmp/hsbench.bare; : > /tmp/hsbench.rss
for r in $(seq "$R"); do
	fresh_site
	read -r wall rss _ < <(timed bash -c "seq $N | $HS submit")
	[ "$(sqlite3 "$HYPERSHELL_SITE/lib/main.db" 'select count(*) from task')" = "$N" ] ||
		{ echo "hs submit stored the wrong number of rows"; exit 1; }
	echo "$wall" >> /tmp/hsbench.hs; echo "$rss" >> /tmp/hsbench.rss
	rm -rf "$BDIR"
	fresh_site
	"$HS" initdb 2>/dev/null
	read -r bwall _ < <(timed bash -c "seq $N | $BARE $HYPERSHELL_SITE/lib/main.db")
	echo "$bwall" >> /tmp/hsbench.bare
	rm -rf "$BDIR"
	echo "run $r: hs submit ${wall}s (peak ${rss} KiB), bare loop ${bwall}s"
done
hs=$(median < /tmp/hsbench.hs); bare=$(median < /tmp/hsbench.bare); rss=$(median < /tmp/hsbench.rss)
awk -v n="$N" -v hs="$hs" -v bare="$bare" -v rss="$rss" 'BEGIN {
	printf "hs submit:   %d tasks in %.2fs = %.0f tasks/s (median of runs)\n", n, hs, n / hs
	printf "bare insert: %d rows  in %.2fs = %.0f rows/s\n", n, bare, n / bare
	printf "ratio hs/bare: %.2f (target >= 0.70); peak RSS %.1f MiB (target < 100)\n", bare / hs, rss / 1024
}'
