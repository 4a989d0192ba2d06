# qlib.sh: helpers for the queue tests (t_queue.sh, t_security.sh), sourced
# after lib.sh. Servers and clients run in the background from "$HS_BIN"
# (so $! is the real pid); every pid started here is remembered and killed
# by q_cleanup, which each test installs with `q_setup` (trap on EXIT).

QTOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HSPROTO="$QTOOLS/hsproto.py"
PY=${PY:-python3}
command -v "$PY" >/dev/null 2>&1 || PY=/usr/bin/python3
KEY=0123456789abcdef0123456789abcdef
Q_PIDS=()

q_cleanup() {
	local p
	for p in "${Q_PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null
	done
	# task processes the tests recorded (their pids, one per line)
	if [ -f "$TMP/taskpids" ]; then
		while read -r p; do
			[ -n "$p" ] && kill -9 "$p" 2>/dev/null
		done < "$TMP/taskpids"
	fi
	wait 2>/dev/null
	return 0
}

# q_setup: short timers for every test, and cleanup on exit.
q_setup() {
	trap q_cleanup EXIT
	export HYPERSHELL_CLIENT_HEARTRATE=0.5
	export HYPERSHELL_CLIENT_RECONNECT=${HYPERSHELL_CLIENT_RECONNECT:-5}
	export HYPERSHELL_SERVER_STATUS_INTERVAL=${HYPERSHELL_SERVER_STATUS_INTERVAL:-1}
}

q_track() { Q_PIDS+=("$@"); }

# port_free PORT: nothing listens on 127.0.0.1:PORT.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The range lies below the kernel's ephemeral ports (32768-60999), where an
# outgoing connection could hold the port without listening on it.
pick_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 12000))
		port_free "$p" && { echo "$p"; return 0; }
	done
	fail "no free port"
}

# wait_until SECONDS CMD...: poll CMD every 0.1 s; status 1 on timeout.
wait_until() {
	local limit=$1; shift
	local end=$(( $(date +%s%N) + ${limit%.*} * 1000000000 ))
	while ! "$@"; do
		[ "$(date +%s%N)" -ge "$end" ] && return 1
		sleep 0.1
	done
	return 0
}

# wait_exit PID SECONDS: wait for a background child; sets wrc to its exit
# status, or fails the test if it is still running after SECONDS.
wait_exit() {
	local pid=$1 limit=$2
	wait_until "$limit" eval "! kill -0 $pid 2>/dev/null" || fail "pid $pid still running after ${limit}s"
	wait "$pid"
	wrc=$?
}

# start_server [ARGS...]: start `hs server` on 127.0.0.1 and a free port
# with $KEY; sets PORT, SPID, SLOG (its stderr, appended). Waits for
# "Listening on". With PORT already set (and PORT_FIXED=1) reuses it.
start_server() {
	local tries
	SLOG=${SLOG:-$TMP/server.log}
	touch "$SLOG"
	for tries in 1 2 3 4 5; do
		[ "${PORT_FIXED:-0}" = 1 ] || PORT=$(pick_port)
		local mark
		mark=$(wc -l < "$SLOG" 2>/dev/null || echo 0)
		"$HS_BIN" server -H 127.0.0.1 -p "$PORT" -k "$KEY" "$@" >>"$TMP/server.out" 2>>"$SLOG" &
		SPID=$!
		q_track "$SPID"
		if wait_until 20 eval "tail -n +$((mark + 1)) '$SLOG' | grep -q 'Listening on' || ! kill -0 $SPID 2>/dev/null"; then
			if kill -0 "$SPID" 2>/dev/null; then
				return 0
			fi
		fi
		if tail -n +$((mark + 1)) "$SLOG" | grep -qi 'in use'; then
			[ "${PORT_FIXED:-0}" = 1 ] && sleep 0.5
			continue
		fi
		fail "server did not start: $(tail -n +$((mark + 1)) "$SLOG" | tail -5)"
	done
	fail "server did not start after 5 tries"
}

# start_client LOGNAME [ARGS...]: `hs client` in the background against
# 127.0.0.1:$PORT with $KEY; sets CPID; stderr in $TMP/LOGNAME.err, stdout
# in $TMP/LOGNAME.out.
start_client() {
	local name=$1; shift
	"$HS_BIN" client -H 127.0.0.1 -p "$PORT" -k "$KEY" "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.err" &
	CPID=$!
	q_track "$CPID"
}

# rss_kb PID: resident set size in KiB.
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# rss_bounded RSS0: fail unless the server ($SPID) grew by less than
# 10 MiB since RSS0. Under ASan the bound is 40 MiB: its quarantine holds
# freed blocks (an idle server's polling alone frees a few MiB a minute
# there), and LeakSanitizer, not this check, finds leaks in that build.
rss_bounded() {
	local limit=10240 now
	case "$HS_BIN" in */asan/*) limit=40960 ;; esac
	now=$(rss_kb "$SPID")
	[ $((now - $1)) -lt $limit ] || fail "RSS grew from $1 to $now KiB"
}

# count_log PATTERN [FILE]: lines of the server log matching (fixed string).
count_log() { grep -cF -- "$1" "${2:-$SLOG}"; }

# last_status: the newest "Status:" line of the server log.
last_status() { grep 'Status:' "$SLOG" | tail -1; }

# pyq SUBCOMMAND ARGS...: run the raw protocol tool; JSON on stdout.
pyq() { "$PY" "$HSPROTO" "$@"; }

# jget JSON KEY: one member of a JSON object (as text).
jget() { "$PY" -c 'import json,sys; v=json.loads(sys.argv[1]).get(sys.argv[2]); print(json.dumps(v) if isinstance(v,(dict,list)) else v)' "$1" "$2"; }
