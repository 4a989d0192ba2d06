# Queue security: TLS verification modes, the key proof, hostile peers.
# docs/protocol.md (handshake, limits), src/tls.h (verification modes),
# shared/reference/security-testing.md §1.7, §2, §7 (the battery).
# Helpers: tools/qlib.sh; raw protocol peers: tools/hsproto.py; PKI:
# tools/pki.sh.
source "$(dirname "${BASH_SOURCE[0]}")/tools/qlib.sh"

need() { command -v "$1" >/dev/null 2>&1 || fail "$1 is not installed (scripts/deps.sh installs it)"; }

pki() {
	need openssl; need faketime
	"$QTOOLS/pki.sh" "$TMP/pki" || fail "pki.sh failed"
	P=$TMP/pki
}

# A server that stays up and polls the database often, so each accepted
# client below gets a fresh task.
serve() { start_server --forever -Q 0.2 "$@"; }

# try_client [VAR=VALUE...] [-- CLIENT-ARGS...]: one hs client in the
# foreground (at most 15 s) that leaves after ${IDLE:-1} s without work;
# sets rc, out, err.
try_client() {
	local envs=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
	[ "${1:-}" = -- ] && shift
	run env "${envs[@]}" timeout 15 "$HS_BIN" client -H 127.0.0.1 -p "$PORT" -k "$KEY" -T "${IDLE:-1}" "$@"
}

# accepted NAME [VAR=VALUE...] [-- ARGS]: a task is waiting; the client
# must connect, run it and exit 0.
accepted() {
	local name=$1; shift
	hs submit "echo accepted-$name" 2>/dev/null
	try_client "$@"
	[ "$rc" -eq 0 ] || fail "$name: client refused (status $rc): $(grep -E 'ERROR|WARNING' <<< "$err")"
	assert_eq "accepted-$name" "$out" "$name: task output"
	assert_has "$err" "Connected to 127.0.0.1:$PORT" "$name: client log"
}

# refused NAME EXPECTED-ERROR [VAR=VALUE...] [-- ARGS]: the client exits 5
# with exactly one ERROR line, which contains EXPECTED-ERROR.
refused() {
	local name=$1 want=$2; shift 2
	try_client "$@"
	[ "$rc" -eq 5 ] || fail "$name: client exit status $rc, expected 5; stderr: $err"
	local errors
	errors=$(grep -F ' ERROR [' <<< "$err")
	assert_eq 1 "$(grep -c . <<< "$errors")" "$name: ERROR lines in [$err]"
	assert_has "$errors" "$want" "$name: client error"
	assert_lacks "$err" "Connected to" "$name: client log"
}

fingerprint_of() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/^.*=/SHA256:/'; }

# --- verification modes -----------------------------------------------------

test_security_fingerprint_pin() {
	q_setup
	pki
	serve
	local fp wrong
	fp=$(grep -o 'Generated TLS certificate .* (SHA256:[0-9A-F:]*)' "$SLOG" | grep -o 'SHA256:[0-9A-F:]*')
	[ ${#fp} -eq 102 ] || fail "no fingerprint in the server log: $(cat "$SLOG")"
	assert_eq "$(fingerprint_of "$HYPERSHELL_SITE/lib/tls/server.crt")" "$fp" "logged fingerprint"
	wrong="SHA256:$(printf '%s' "${fp#SHA256:}" | tr '0-9A-F' '1-9A-F0')"
	# the pin is the whole decision: it wins over a cafile that would refuse
	accepted pin HYPERSHELL_SERVER_TLS_FINGERPRINT="$fp" HYPERSHELL_SERVER_TLS_CAFILE="$P/ca2.crt"
	accepted pin-bare-lowercase \
		HYPERSHELL_SERVER_TLS_FINGERPRINT="$(printf '%s' "${fp#SHA256:}" | tr -d : | tr A-F a-f)"
	refused pin-wrong "TLS: server certificate fingerprint $fp does not match the pinned $wrong" \
		HYPERSHELL_SERVER_TLS_FINGERPRINT="$wrong"
	# nothing pinned, no CA that knows this certificate: refused too
	refused no-trust "certificate verify failed" HYPERSHELL_SERVER_TLS_CAFILE="$P/ca.crt"
}

test_security_ca_verification() {
	q_setup
	pki
	serve --tls-cert "$P/good.crt" --tls-key "$P/good.key"
	accepted right-ca -- --tls-ca "$P/ca.crt"
	accepted right-ca-env HYPERSHELL_SERVER_TLS_CAFILE="$P/ca.crt"
	refused wrong-ca "certificate verify failed: unable to get local issuer certificate" -- --tls-ca "$P/ca2.crt"
	# the site's own generated certificate (the default anchor) does not know this one
	refused default-anchor "certificate verify failed"
	assert_has "$(cat "$SLOG")" "TLS handshake with 127.0.0.1:"
	assert_has "$(cat "$SLOG")" "unknown ca"
}

test_security_servername() {
	q_setup
	pki
	serve --tls-cert "$P/good.crt" --tls-key "$P/good.key"
	accepted right-name HYPERSHELL_SERVER_TLS_SERVERNAME=localhost -- --tls-ca "$P/ca.crt"
	refused wrong-name "certificate verify failed: hostname mismatch" \
		HYPERSHELL_SERVER_TLS_SERVERNAME=wrong.example -- --tls-ca "$P/ca.crt"
	kill "$SPID"; wait "$SPID" 2>/dev/null
	# a leaf for another name: refused for the dialled address, accepted
	# when that name is what the client expects
	SLOG=$TMP/server2.log
	serve --tls-cert "$P/wrongname.crt" --tls-key "$P/wrongname.key"
	refused leaf-other-name "certificate verify failed: IP address mismatch" -- --tls-ca "$P/ca.crt"
	refused leaf-other-name-localhost "certificate verify failed: hostname mismatch" \
		HYPERSHELL_SERVER_TLS_SERVERNAME=localhost -- --tls-ca "$P/ca.crt"
	accepted leaf-named HYPERSHELL_SERVER_TLS_SERVERNAME=wrong.example -- --tls-ca "$P/ca.crt"
}

test_security_expired_certificate() {
	q_setup
	pki
	serve --tls-cert "$P/expired.crt" --tls-key "$P/expired.key"
	refused expired "certificate verify failed: certificate has expired" -- --tls-ca "$P/ca.crt"
	# documented in src/tls.h: a pin is the whole trust decision (dates not checked)
	accepted expired-pinned HYPERSHELL_SERVER_TLS_FINGERPRINT="$(fingerprint_of "$P/expired.crt")"
}

test_security_insecure_mode_warns() {
	q_setup
	pki
	serve --tls-cert "$P/other.crt" --tls-key "$P/other.key"
	refused untrusted "certificate verify failed" -- --tls-ca "$P/ca.crt"
	accepted insecure HYPERSHELL_SERVER_TLS_INSECURE=true -- --tls-ca "$P/ca.crt"
	assert_eq 1 "$(grep -c 'WARNING.*TLS verification disabled (insecure = true): the server is not authenticated' <<< "$err")" \
		"insecure warnings for one connection"
}

test_security_old_tls_versions_refused() {
	q_setup
	serve
	local o
	o=$(openssl s_client -connect "127.0.0.1:$PORT" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' </dev/null 2>&1)
	[ $? -ne 0 ] || fail "openssl s_client -tls1_1 succeeded: $o"
	assert_has "$o" "alert protocol version" "s_client -tls1_1"
	local j
	j=$(pyq tlsold 127.0.0.1 "$PORT")
	assert_has "$(jget "$j" TLSv1.1)" "refused: TLSV1_ALERT_PROTOCOL_VERSION" "python TLSv1.1"
	assert_has "$(jget "$j" TLSv1)" "refused: TLSV1_ALERT_PROTOCOL_VERSION" "python TLSv1"
	# controls: 1.2 and 1.3 complete the TLS handshake
	o=$(openssl s_client -connect "127.0.0.1:$PORT" -tls1_2 </dev/null 2>&1)
	assert_has "$o" "New, TLSv1.2, Cipher is ECDHE" "s_client -tls1_2"
	o=$(openssl s_client -connect "127.0.0.1:$PORT" -tls1_3 </dev/null 2>&1)
	assert_has "$o" "New, TLSv1.3, Cipher is TLS_" "s_client -tls1_3"
	assert_eq 3 "$(grep -c 'TLS handshake with 127.0.0.1:[0-9]* failed: TLS: unsupported protocol' "$SLOG")" \
		"server log lines for the three old-version attempts"
}

test_security_plaintext_on_tls_port() {
	q_setup
	serve
	local j
	j=$(pyq handshake 127.0.0.1 "$PORT" "$KEY" 2>&1)
	assert_eq closed "$(jget "$j" result)" "plain HELLO to the TLS port: $j"
	wait_until 3 eval "grep -q 'TLS handshake with 127.0.0.1:[0-9]* failed' '$SLOG'" \
		|| fail "no log line for a plaintext peer: $(cat "$SLOG")"
	accepted after-plaintext
}

# --- the key ----------------------------------------------------------------

test_security_wrong_key() {
	q_setup
	serve
	hs submit 'echo never' 2>/dev/null
	KEY=wrong-key-0123456789abcdef try_client
	[ "$rc" -eq 5 ] || fail "client with the wrong key: status $rc; $err"
	assert_eq 1 "$(grep -c ' ERROR \[' <<< "$err")" "ERROR lines in [$err]"
	assert_has "$err" "the server failed to prove it holds the key"
	assert_eq "" "$out" "tasks run with the wrong key"
	assert_eq 0 "$(sql 'select count(*) from task where schedule_time is not null')" "tasks handed out"
	assert_lacks "$(cat "$SLOG")" "connected from"
	# the real client leaves after the server's proof: logged and counted too
	wait_until 3 eval "grep -q 'the client left after the server' '$SLOG'" \
		|| fail "wrong-key client not logged by the server"
	# a client that ignores the server's failed proof and sends AUTH anyway
	local j
	j=$(pyq handshake 127.0.0.1 "$PORT" wrong-key-0123456789abcdef --tls --force)
	assert_eq error "$(jget "$j" result)" "raw client with the wrong key: $j"
	assert_eq auth "$(jget "$j" code)"
	assert_eq "authentication failed" "$(jget "$j" message)"
	wait_until 3 eval "[ \$(grep -c 'Authentication failed from 127.0.0.1:' '$SLOG') -ge 2 ]" \
		|| fail "auth failure not logged"
	assert_eq 2 "$(count_log 'Authentication failed from')" "auth failure lines"
	wait_until 3 eval "last_status | grep -q 'refused: [0-9]* TLS handshakes, 2 authentications'" \
		|| fail "auth failures not counted: $(last_status)"
	# and the right key still gets the task
	try_client
	assert_rc 0
	assert_eq never "$out" "task run with the right key"
}

test_security_bad_keys_refused_at_start() {
	q_setup
	local port k
	port=$(pick_port)
	for k in '' short '<not-secure>' 'abcdefghijklmno' 'abcdefghijklmnop qrs' 'abcdefghijklmnop!' \
		"$(head -c 1025 /dev/zero | tr '\0' a)"; do
		if [ -z "$k" ]; then
			run timeout 10 "$HS_BIN" server -H 127.0.0.1 -p "$port"
		else
			run timeout 10 "$HS_BIN" server -H 127.0.0.1 -p "$port" -k "$k"
		fi
		[ "$rc" -eq 2 ] || fail "key [${k:0:40}]: exit status $rc, expected 2; $err"
		assert_has "$err" "generate one with: openssl rand -hex 32" "key [${k:0:40}]"
		assert_lacks "$err" "Listening on" "key [${k:0:40}]"
		[ ${#k} -lt 15 ] || [ ${#k} -gt 100 ] || assert_lacks "$err" "$k" "the refused key is echoed"
	done
	run env HYPERSHELL_SERVER_AUTH=short timeout 10 "$HS_BIN" server -H 127.0.0.1 -p "$port"
	assert_rc 2
	# the shortest good key (16 characters) starts
	KEY=abcdefghijklmnop start_server --forever
	assert_has "$(cat "$SLOG")" "Listening on 127.0.0.1:$PORT"
}

test_security_replayed_handshake_refused() {
	q_setup
	start_server --forever -Q 0.2 --no-tls
	# 1. a raw client with the right key is welcome, and records its frames
	local j
	j=$(pyq handshake 127.0.0.1 "$PORT" "$KEY" --record "$TMP/raw.hex")
	assert_eq welcome "$(jget "$j" result)" "raw client with the right key: $j"
	j=$(pyq replay 127.0.0.1 "$PORT" "$TMP/raw.hex")
	assert_eq error "$(jget "$j" result)" "replayed raw handshake: $j"
	assert_eq auth "$(jget "$j" code)"
	# 2. a real hs client, recorded through a relay, runs its task
	# the recorder takes a port of the kernel's choosing (0) and prints it
	local rport
	"$PY" "$HSPROTO" record 0 127.0.0.1 "$PORT" "$TMP/real.hex" > "$TMP/record.out" &
	q_track $!
	wait_until 5 eval "grep -q listening '$TMP/record.out'" || fail "recorder did not start"
	rport=$(awk '/^listening/ {print $2}' "$TMP/record.out")
	hs submit 'echo recorded' 2>/dev/null
	run timeout 15 "$HS_BIN" client --no-tls -H 127.0.0.1 -p "$rport" -k "$KEY" -T 1
	assert_rc 0
	assert_eq recorded "$out"
	j=$(pyq replay 127.0.0.1 "$PORT" "$TMP/real.hex")
	assert_eq error "$(jget "$j" result)" "replayed hs client handshake: $j"
	assert_eq auth "$(jget "$j" code)"
	[ "$(jget "$j" server_nonce)" != "$(jget "$j" client_nonce)" ] || fail "nonces equal"
	wait_until 3 eval "[ \$(count_log 'Authentication failed from 127.0.0.1:') -eq 2 ]" \
		|| fail "expected 2 auth failures logged: $(grep WARNING "$SLOG")"
	assert_eq 2 "$(grep -c 'Client .* connected from' "$SLOG")" "sessions welcomed (the two genuine ones)"
}

test_security_mitm_relay_fails_auth() {
	q_setup
	pki
	serve
	need socat
	local rport
	rport=$(pick_port)
	socat "OPENSSL-LISTEN:$rport,bind=127.0.0.1,reuseaddr,fork,cert=$P/good.crt,key=$P/good.key,verify=0" \
		"OPENSSL:127.0.0.1:$PORT,verify=0" 2>"$TMP/socat.err" &
	q_track $!
	wait_until 5 eval "! port_free $rport" || fail "socat did not listen: $(cat "$TMP/socat.err")"
	hs submit 'echo relayed' 2>/dev/null
	local direct=$PORT
	PORT=$rport try_client HYPERSHELL_SERVER_TLS_INSECURE=true
	[ "$rc" -ne 0 ] || fail "client through the relay succeeded: $err"
	assert_eq 5 "$rc" "client exit status through the relay"
	assert_has "$err" "TLS verification disabled (insecure = true)"
	assert_has "$err" "the server failed to prove it holds the key"
	assert_eq "" "$out" "tasks run through the relay"
	assert_eq 0 "$(sql 'select count(*) from task where schedule_time is not null')" "tasks handed out via the relay"
	assert_lacks "$(cat "$SLOG")" "connected from"
	# control: the same insecure client, directly, runs the task
	PORT=$direct
	try_client HYPERSHELL_SERVER_TLS_INSECURE=true
	assert_rc 0
	assert_eq relayed "$out"
}

# --- hostile peers --------------------------------------------------------------

test_security_silent_peers_closed_by_deadline() {
	q_setup
	export HYPERSHELL_SERVER_HANDSHAKE_TIMEOUT=2
	serve
	local rss0
	rss0=$(rss_kb "$SPID")
	pyq silent 127.0.0.1 "$PORT" 10 6 > "$TMP/silent.json" &
	local p1=$!
	pyq halftls 127.0.0.1 "$PORT" 5 6 > "$TMP/half.json" &
	local p2=$!
	q_track $p1 $p2
	sleep 0.3
	# a good client during the stall
	accepted during-stall
	wait $p1 $p2
	local s h
	s=$(cat "$TMP/silent.json"); h=$(cat "$TMP/half.json")
	assert_eq 10 "$(jget "$s" closed)" "silent peers closed: $s"
	assert_eq 5 "$(jget "$h" closed)" "half handshakes closed: $h"
	"$PY" -c 'import json,sys
for f in sys.argv[1:]:
    j = json.load(open(f))
    assert 1.7 <= j["min_seconds"] and j["max_seconds"] <= 3.0, (f, j)' "$TMP/silent.json" "$TMP/half.json" \
		|| fail "not closed at the 2s deadline: $s $h"
	assert_eq 15 "$(count_log 'not finished within 2s: closing')" "deadline log lines"
	rss_bounded "$rss0"
	wait_until 3 eval "last_status | grep -q ' 15 handshake timeouts'" || fail "timeouts not counted: $(last_status)"
	# one event, one line and one count (not also a failed TLS handshake)
	assert_eq 0 "$(count_log 'failed: handshake deadline')" \
		"extra 'TLS handshake failed' lines for timed-out peers (product bug: double log)"
	assert_has "$(last_status)" "refused: 0 TLS handshakes" "status counters (product bug: double count)"
}

test_security_oversize_preauth_frame() {
	q_setup
	start_server --forever -Q 0.2 --no-tls
	local j rss0 i
	rss0=$(rss_kb "$SPID")
	j=$(pyq oversize 127.0.0.1 "$PORT" 2147483648)
	assert_eq closed "$(jget "$j" result)" "2^31 length: $j"
	"$PY" -c 'import json,sys; j=json.loads(sys.argv[1]); assert j["seconds"] < 1.0 and j["error"]["code"] == "limit", j' "$j" \
		|| fail "not closed promptly with ERROR limit: $j"
	assert_has "$j" "over the cap of 4096"
	j=$(pyq oversize 127.0.0.1 "$PORT" 4097)
	assert_eq closed "$(jget "$j" result)" "cap + 1: $j"
	assert_has "$j" '"code": "limit"'
	j=$(pyq oversize 127.0.0.1 "$PORT" 2147483647 --repeat 30)
	assert_eq 30 "$(grep -c '"result": "closed"' <<< "$j")" "closed oversize connections"
	wait_until 3 eval "[ \$(count_log 'over the cap of 4096') -eq 32 ]" \
		|| fail "expected 32 oversize lines: $(count_log 'over the cap of 4096')"
	wait_until 3 eval "last_status | grep -q ' 32 oversize frames'" || fail "not counted: $(last_status)"
	rss_bounded "$rss0"
	# the same inside TLS
	kill "$SPID"; wait "$SPID" 2>/dev/null
	SLOG=$TMP/server2.log
	serve
	j=$(pyq oversize 127.0.0.1 "$PORT" 2147483648 --tls)
	assert_eq closed "$(jget "$j" result)" "2^31 length over TLS: $j"
	assert_has "$j" "over the cap of 4096"
	wait_until 3 eval "[ \$(count_log 'over the cap of 4096') -eq 1 ]" || fail "not logged over TLS"
	accepted after-oversize
}

test_security_garbage_and_memory() {
	q_setup
	start_server --forever -Q 0.2 --no-tls
	local j rss0 i
	rss0=$(rss_kb "$SPID")
	for i in $(seq 10); do
		j=$(pyq garbage 127.0.0.1 "$PORT" 1024)
		assert_eq closed "$(jget "$j" result)" "garbage stream $i: $j"
		"$PY" -c 'import json,sys; j=json.loads(sys.argv[1]); assert j["seconds"] < 2.0, j' "$j" \
			|| fail "garbage not closed promptly: $j"
	done
	rss_bounded "$rss0"
	kill -0 "$SPID" || fail "server died"
	hs submit 'echo after-garbage' 2>/dev/null
	run timeout 15 "$HS_BIN" client --no-tls -H 127.0.0.1 -p "$PORT" -k "$KEY" -T 1
	assert_rc 0
	assert_eq after-garbage "$out"
}

test_security_connection_flood() {
	q_setup
	export HYPERSHELL_SERVER_MAX_CONNECTIONS=20 HYPERSHELL_SERVER_HANDSHAKE_TIMEOUT=2
	serve
	local rss0 j
	rss0=$(rss_kb "$SPID")
	j=$(pyq flood 127.0.0.1 "$PORT" 300 1)
	assert_eq 300 "$(jget "$j" opened)" "flood: $j"
	assert_eq 20 "$(jget "$j" held)" "connections kept (max_connections): $j"
	assert_eq 280 "$(jget "$j" closed)" "connections refused: $j"
	assert_eq 280 "$(count_log '(server.max_connections)')" "refusal log lines"
	wait_until 3 eval "last_status | grep -q ' 280 connections'" || fail "refusals not counted: $(last_status)"
	kill -0 "$SPID" || fail "server died in the flood"
	rss_bounded "$rss0"
	# the flood's 20 held connections are gone
	wait_until 5 eval "[ \$(count_log 'failed: TLS: unexpected eof') -eq 20 ]" \
		|| fail "held connections not released: $(tail -3 "$SLOG")"
	# a second flood holds every slot while a good client tries to get in:
	# it is refused at first, retries, and gets in once the deadline frees slots
	pyq flood 127.0.0.1 "$PORT" 20 4 > "$TMP/flood2.json" &
	local f2=$!
	q_track $f2
	sleep 0.3
	IDLE=4 accepted during-flood
	[ "$(count_log '(server.max_connections)')" -gt 280 ] || fail "the good client was never refused"
	wait $f2
	local f
	f=$(cat "$TMP/flood2.json")
	assert_eq 20 "$(jget "$f" closed)" "second flood: $f"
	"$PY" -c 'import json,sys; j=json.loads(sys.argv[1]); assert j["min_seconds"] >= 1.7, j' "$f" \
		|| fail "the second flood was not admitted (closed before the deadline): $f"
	kill -0 "$SPID" || fail "server died"
}

test_security_preauth_protocol_errors() {
	q_setup
	start_server --forever -Q 0.2 --no-tls
	local c j want
	for c in auth-first:protocol short-proof:protocol version2:version hello-twice:protocol \
		extra-member:protocol bad-type:protocol; do
		want=${c#*:}; c=${c%%:*}
		j=$(pyq probe 127.0.0.1 "$PORT" "$KEY" "$c")
		assert_eq ERROR "$(jget "$j" result)" "$c: $j"
		assert_eq "$want" "$(jget "$j" code)" "$c: error code"
		assert_eq True "$(jget "$j" closed)" "$c: closed after the ERROR"
	done
	assert_has "$j" "malformed frame"
	kill -0 "$SPID" || fail "server died"
	assert_lacks "$(cat "$SLOG")" "connected from"
	assert_has "$(cat "$SLOG")" "Protocol error from 127.0.0.1:"
	assert_has "$(cat "$SLOG")" "client speaks protocol 2.0, this server speaks 1.2"
	# the same key still works after all that
	hs submit 'echo after-probes' 2>/dev/null
	run timeout 15 "$HS_BIN" client --no-tls -H 127.0.0.1 -p "$PORT" -k "$KEY" -T 1
	assert_rc 0
	assert_eq after-probes "$out"
	# every refused peer leaves one WARNING line with its address (6 probes)
	assert_eq 6 "$(grep -c 'WARNING.* from 127.0.0.1:\|WARNING.*Refused 127.0.0.1:' "$SLOG")" \
		"audit lines for 6 bad peers (a frame of unknown type is not logged: product bug)"
}

# Issue 6's raw-socket battery at full scale: 100 silent connections and
# 20 half TLS handshakes at once, all closed by the deadline while a good
# client gets in; memory flat; every one logged and counted.
test_security_battery_100_silent_20_half() {
	q_setup
	export HYPERSHELL_SERVER_HANDSHAKE_TIMEOUT=2 HYPERSHELL_SERVER_MAX_PENDING=200
	serve
	local rss0 s h
	rss0=$(rss_kb "$SPID")
	pyq silent 127.0.0.1 "$PORT" 100 6 > "$TMP/silent.json" &
	local p1=$!
	pyq halftls 127.0.0.1 "$PORT" 20 6 > "$TMP/half.json" &
	local p2=$!
	q_track $p1 $p2
	sleep 0.5
	accepted during-the-stall
	wait $p1 $p2
	s=$(cat "$TMP/silent.json"); h=$(cat "$TMP/half.json")
	assert_eq 100 "$(jget "$s" closed)" "silent peers closed: $s"
	assert_eq 20 "$(jget "$h" closed)" "half handshakes closed: $h"
	"$PY" -c 'import json,sys
for f in sys.argv[1:]:
    j = json.load(open(f))
    assert j["max_seconds"] <= 3.5, (f, j)' "$TMP/silent.json" "$TMP/half.json" \
		|| fail "not closed by the 2s deadline: $s $h"
	wait_until 3 eval "[ \$(count_log 'not finished within 2s: closing') -eq 120 ]" \
		|| fail "deadline log lines: $(count_log 'not finished within 2s: closing')"
	rss_bounded "$rss0"
	wait_until 3 eval "last_status | grep -q ' 120 handshake timeouts'" || fail "not counted: $(last_status)"
}

# A 2^31 length prefix after authentication meets the post-auth cap.
test_security_oversize_frame_after_auth() {
	q_setup
	start_server --forever -Q 0.2 --no-tls
	local j rss0
	rss0=$(rss_kb "$SPID")
	j=$(pyq authoversize 127.0.0.1 "$PORT" "$KEY" 2147483648)
	assert_eq closed "$(jget "$j" result)" "2^31 after auth: $j"
	assert_has "$j" '"code": "limit"'
	assert_has "$j" "over the cap of 1048576"
	wait_until 3 eval "[ \$(count_log 'over the cap of 1048576') -eq 1 ]" || fail "not logged: $(tail -3 "$SLOG")"
	rss_bounded "$rss0"
	kill -0 "$SPID" || fail "server died"
}

# Out of file descriptors: no busy loop, one line, still serving after.
test_security_low_ulimit_no_spin() {
	q_setup
	PORT=$(pick_port)
	(ulimit -n 40; exec "$HS_BIN" server -H 127.0.0.1 -p "$PORT" -k "$KEY" --forever --no-tls) \
		2> "$TMP/server.log" &
	SPID=$!; SLOG=$TMP/server.log
	q_track "$SPID"
	wait_until 10 grep -q 'Listening on' "$SLOG" || fail "server did not start"
	local j cpu0 cpu1
	cpu0=$(awk '{print $14 + $15}' "/proc/$SPID/stat")
	j=$(pyq flood 127.0.0.1 "$PORT" 120 2)
	assert_eq 120 "$(jget "$j" opened)" "flood: $j"
	cpu1=$(awk '{print $14 + $15}' "/proc/$SPID/stat")
	# under a second of CPU (clock ticks) for 2 s of a full descriptor table
	[ $((cpu1 - cpu0)) -lt "$(getconf CLK_TCK)" ] || fail "the server spun: $((cpu1 - cpu0)) ticks"
	assert_eq 1 "$(count_log 'Cannot accept connections: Too many open files')" "pause lines"
	[ "$(wc -l < "$SLOG")" -lt 200 ] || fail "log flooded: $(wc -l < "$SLOG") lines"
	kill -0 "$SPID" || fail "server died"
	sleep 0.5
	hs submit 'echo after-emfile' 2>/dev/null
	run timeout 20 "$HS_BIN" client --no-tls -H 127.0.0.1 -p "$PORT" -k "$KEY" -T 1
	assert_rc 0
	assert_eq after-emfile "$out"
}
