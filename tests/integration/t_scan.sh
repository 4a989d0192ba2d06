# TLS scanner gate (issue 6): Debian's sslscan and nmap's ssl-enum-ciphers
# against a real server on 127.0.0.1: only TLS 1.2 and 1.3, no
# renegotiation, every suite rated A, and the server's cipher order.

source "$(dirname "${BASH_SOURCE[0]}")/tools/qlib.sh"

test_scan_sslscan_gate() {
	q_setup
	command -v sslscan >/dev/null || fail "sslscan missing (scripts/deps.sh installs it)"
	start_server --forever
	run sslscan --no-colour --xml="$TMP/scan.xml" "127.0.0.1:$PORT"
	assert_rc 0
	local x; x=$(cat "$TMP/scan.xml")
	assert_has "$x" '<protocol type="ssl" version="2" enabled="0" />'
	assert_has "$x" '<protocol type="ssl" version="3" enabled="0" />'
	assert_has "$x" '<protocol type="tls" version="1.0" enabled="0" />'
	assert_has "$x" '<protocol type="tls" version="1.1" enabled="0" />'
	assert_has "$x" '<protocol type="tls" version="1.2" enabled="1" />'
	assert_has "$x" '<protocol type="tls" version="1.3" enabled="1" />'
	assert_has "$x" '<renegotiation supported="0"'
	# accepted suites: forward-secret AEAD only (no CBC, RSA key exchange, 3DES, RC4)
	local suites; suites=$(grep -o 'cipher="[^"]*"' "$TMP/scan.xml" | sort -u)
	[ -n "$suites" ] || fail "no accepted cipher in the scan"
	grep -Eq 'CBC|RC4|DES|NULL|EXPORT|anon|MD5' <<< "$suites" && fail "weak suites accepted: $suites"
	grep -v -E 'GCM|CHACHA20' <<< "$suites" && fail "a non-AEAD suite accepted"
	grep -E 'cipher="(AES|CAMELLIA|SEED|IDEA)' <<< "$suites" && fail "a static-RSA suite accepted"
	grep -q 'heartbleed.*vulnerable="1"' "$TMP/scan.xml" && fail "heartbleed"
	kill -0 "$SPID" || fail "the server died under the scan"
	return 0
}

test_scan_nmap_ssl_enum_ciphers_gate() {
	q_setup
	command -v nmap >/dev/null || fail "nmap missing (scripts/deps.sh installs it)"
	start_server --forever
	run nmap -Pn -n -p "$PORT" --script ssl-enum-ciphers 127.0.0.1
	assert_rc 0
	assert_has "$out" "least strength: A"
	assert_has "$out" "cipher preference: server"
	assert_has "$out" "TLSv1.2:"
	assert_has "$out" "TLSv1.3:"
	assert_lacks "$out" "TLSv1.0:"
	assert_lacks "$out" "TLSv1.1:"
	# every listed suite is rated A
	grep -E '^\|.*TLS_.* - [B-F]$' <<< "$out" && fail "a suite rated below A"
	kill -0 "$SPID" || fail "the server died under the scan"
	# each scanner connection that left early is logged, and the server still serves
	[ "$(grep -c 'TLS handshake with 127.0.0.1' "$SLOG")" -ge 1 ] || fail "scanner probes not logged"
	seq 2 | hs submit
	run "$HS_BIN" client -H 127.0.0.1 -p "$PORT" -k "$KEY" -T 2 -t "true {}"
	assert_eq 2 "$(sql 'select count(*) from task where exit_status = 0')" "tasks run after the scan"
}
