#!/bin/bash
# pki.sh DIR: a small test PKI with EC P-256 keys (about a second).
#   ca.crt ca.key               test CA "hs-test-ca"
#   ca2.crt ca2.key             another CA, "hs-other-ca"
#   good.crt good.key           leaf from ca: SAN DNS:localhost, IP:127.0.0.1
#   other.crt other.key         leaf from ca2 with the same names
#   expired.crt expired.key     leaf from ca, same names, valid 2020-01-01 + 30 days
#   wrongname.crt wrongname.key leaf from ca for DNS:wrong.example only
# Keys are 0600 (hs refuses group- or world-readable keys). Each leaf is
# checked with `openssl verify` against its intent before the script ends.
set -eu
dir=${1:?usage: pki.sh DIR}
mkdir -p "$dir"
cd "$dir"
umask 077

ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

ca() {  # ca NAME CN  (valid from 2019-12-01 for 20 years, so it covers the expired leaf)
	ec_key "$1.key"
	faketime "2019-12-01 00:00:00" openssl req -x509 -new -key "$1.key" -sha256 -days 7300 -subj "/CN=$2" \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign -out "$1.crt" 2>/dev/null
}

leaf() {  # leaf NAME CA SAN [faketime date]
	local name=$1 ca=$2 san=$3 when=${4:-}
	ec_key "$name.key"
	openssl req -new -key "$name.key" -subj "/CN=$name" -out "$name.csr" 2>/dev/null
	printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' \
		"$san" > "$name.ext"
	local pre=()
	[ -n "$when" ] && pre=(faketime "$when")
	"${pre[@]}" openssl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" \
		-CAcreateserial -days 30 -sha256 -extfile "$name.ext" -out "$name.crt" 2>/dev/null
	rm -f "$name.csr" "$name.ext"
}

ca ca hs-test-ca
ca ca2 hs-other-ca
leaf good ca "DNS:localhost,IP:127.0.0.1"
leaf other ca2 "DNS:localhost,IP:127.0.0.1"
leaf expired ca "DNS:localhost,IP:127.0.0.1" "2020-01-01 00:00:00"
leaf wrongname ca "DNS:wrong.example"
chmod 644 ./*.crt

# Each certificate does what its name says.
expect() {  # expect OK|FAIL text... -- openssl verify args
	local want=$1; shift
	if openssl verify "$@" >/dev/null 2>&1; then got=OK; else got=FAIL; fi
	[ "$got" = "$want" ] || { echo "pki.sh: openssl verify $*: expected $want" >&2; exit 1; }
}
expect OK   -CAfile ca.crt -verify_ip 127.0.0.1 -verify_hostname localhost good.crt
expect FAIL -CAfile ca.crt other.crt
expect OK   -CAfile ca2.crt other.crt
expect FAIL -CAfile ca.crt expired.crt
expect OK   -CAfile ca.crt -attime "$(date -d '2020-01-15' +%s)" expired.crt
expect OK   -CAfile ca.crt -verify_hostname wrong.example wrongname.crt
expect FAIL -CAfile ca.crt -verify_hostname localhost wrongname.crt
expect FAIL -CAfile ca.crt -verify_ip 127.0.0.1 wrongname.crt
