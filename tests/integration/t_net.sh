# Network features beyond the original: IPv6 listeners and mutual TLS.

source "$(dirname "${BASH_SOURCE[0]}")/tools/qlib.sh"

test_net_ipv6_dual_stack() {
	q_setup
	[ -e /proc/net/if_inet6 ] || { echo "no IPv6 in this kernel: skipped"; return 0; }
	seq 4 | hs submit -t net:6 2>/dev/null
	start_server -H ::
	"$HS_BIN" client -H ::1 -p "$PORT" -k "$KEY" -T 2 -t 'echo v6 {}' > "$TMP/c6.out" 2> "$TMP/c6.err" &
	local c6=$!; q_track "$c6"
	"$HS_BIN" client -H 127.0.0.1 -p "$PORT" -k "$KEY" -T 2 -t 'echo v4 {}' > "$TMP/c4.out" 2> "$TMP/c4.err" &
	local c4=$!; q_track "$c4"
	wait_exit "$SPID" 20; assert_eq 0 "$wrc" "server exit status"
	assert_has "$(cat "$SLOG")" "connected from [::1]:"
	assert_has "$(cat "$SLOG")" "connected from 127.0.0.1:"
	assert_eq 4 "$(sql 'select count(*) from task where exit_status = 0')"
}

# client_cert NAME: a client certificate (clientAuth) from the test CA.
client_cert() {
	local n=$1
	( cd "$P" && umask 077 &&
	  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$n.key" 2>/dev/null &&
	  openssl req -new -key "$n.key" -subj "/CN=$n" -out "$n.csr" 2>/dev/null &&
	  printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n' > "$n.ext" &&
	  openssl x509 -req -in "$n.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
		-extfile "$n.ext" -out "$n.crt" 2>/dev/null ) || fail "cannot make a client certificate"
}

test_net_mutual_tls() {
	q_setup
	"$QTOOLS/pki.sh" "$TMP/pki" >/dev/null || fail "pki.sh failed"
	P=$TMP/pki
	client_cert worker
	seq 3 | hs submit 2>/dev/null
	HYPERSHELL_SERVER_TLS_CLIENT_CAFILE=$P/ca.crt start_server
	# without a client certificate: refused
	"$HS_BIN" client -H 127.0.0.1 -p "$PORT" -k "$KEY" -T 1 > /dev/null 2> "$TMP/nocert.err" &
	local c=$!; q_track "$c"
	wait_until 15 eval "grep -q 'TLS handshake with' '$SLOG'" || fail "no refusal logged"
	assert_has "$(grep 'TLS handshake with' "$SLOG")" "certificate"
	kill "$c" 2>/dev/null
	assert_eq 0 "$(sql 'select count(*) from task where exit_status is not null')" "ran without a certificate"
	# with one from the CA: served
	HYPERSHELL_SERVER_TLS_CLIENT_CERT=$P/worker.crt HYPERSHELL_SERVER_TLS_CLIENT_KEY=$P/worker.key \
		"$HS_BIN" client -H 127.0.0.1 -p "$PORT" -k "$KEY" -t true > /dev/null 2> "$TMP/cert.err" &
	q_track $!
	wait_exit "$SPID" 20; assert_eq 0 "$wrc" "server exit status"
	assert_eq 3 "$(sql 'select count(*) from task where exit_status = 0')"
}
