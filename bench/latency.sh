#!/bin/bash
# Start latency: one task submitted to an idle running cluster (server
# --forever, one client), from just before `hs submit` to the moment the
# task's shell runs (it records its own clock). Target: under 50 ms.
# Prints every sample and the median of R samples.   R=15 bench/latency.sh
source "$(dirname "$0")/common.sh"
R=${R:-15}
KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
PORT=$(free_port)
fresh_site
"$HS" server -k "$KEY" -p "$PORT" --forever 2> "$BDIR/server.log" &
SPID=$!
for i in $(seq 100); do grep -q Listening "$BDIR/server.log" && break; sleep 0.1; done
"$HS" client -k "$KEY" -p "$PORT" 2> "$BDIR/client.log" &
CPID=$!
trap 'kill $SPID $CPID 2>/dev/null; wait 2>/dev/null; rm -rf "$BDIR"' EXIT
sleep 1
: > "$BDIR/lat"
for i in $(seq "$R"); do
	rm -f "$BDIR/t"
	s=$(date +%s%N)
	"$HS" submit "date +%s%N > $BDIR/t" 2>/dev/null
	for k in $(seq 400); do [ -s "$BDIR/t" ] && break; sleep 0.005; done
	e=$(cat "$BDIR/t")
	echo $(( (e - s) / 1000000 )) | tee -a "$BDIR/lat" | sed 's/^/sample ms: /'
	sleep 0.3
done
echo "start latency: median $(median < "$BDIR/lat") ms over $R tasks (includes hs submit's own start-up)"
