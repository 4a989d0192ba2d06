#!/bin/bash
# Server memory with many clients and a big queue: 1,000,000 tasks queued
# and 1,000 authenticated TLS clients connected (held by one process,
# bench/manyclients.c, connecting in waves of 50, under the server's default
# server.max_pending of 64 concurrent handshakes). Reports the server's peak RSS (VmHWM) and current
# RSS. Target: under 50 MiB.    TASKS=1000000 CLIENTS=1000 bench/memory.sh
source "$(dirname "$0")/common.sh"
TASKS=${TASKS:-1000000}
CLIENTS=${CLIENTS:-1000}
make -s build/bench/manyclients || exit 1
export HS_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
PORT=$(free_port)
fresh_site
seq "$TASKS" | "$HS" submit 2>/dev/null
ulimit -n 65536 2>/dev/null || ulimit -n 4096
"$HS" server -k "$HS_KEY" -p "$PORT" \
	--forever 2> "$BDIR/server.log" &
SPID=$!
trap 'kill $SPID $MPID 2>/dev/null; wait 2>/dev/null; rm -rf "$BDIR"' EXIT
for i in $(seq 100); do grep -q Listening "$BDIR/server.log" && break; sleep 0.1; done
HS_CAFILE=$HYPERSHELL_SITE/lib/tls/server.crt build/bench/manyclients 127.0.0.1 "$PORT" \
	"$CLIENTS" > "$BDIR/mc.out" 2> "$BDIR/mc.err" &
MPID=$!
for i in $(seq 600); do grep -q connected "$BDIR/mc.out" && break; sleep 0.1; done
grep -q connected "$BDIR/mc.out" || { echo "clients did not all connect"; tail "$BDIR/mc.err"; exit 1; }
sleep 2
n=$(grep -c "connected from" "$BDIR/server.log")
hwm=$(awk '/VmHWM/ {print $2}' /proc/$SPID/status)
rss=$(awk '/VmRSS/ {print $2}' /proc/$SPID/status)
awk -v n="$n" -v t="$TASKS" -v h="$hwm" -v r="$rss" 'BEGIN {
	printf "server with %d clients and %d queued tasks: peak RSS %.1f MiB, now %.1f MiB (target < 50 MiB)\n",
	       n, t, h / 1024, r / 1024 }'
