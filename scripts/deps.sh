#!/bin/sh
# Install the Debian 12 packages the build and the tests need, if missing.
# Idempotent: does nothing when everything is present.
set -eu

PKGS="gcc make pkg-config clang libclang-rt-14-dev libsqlite3-dev libssl-dev
libjansson-dev libcmocka-dev libevent-dev sqlite3 jq socat faketime
openssh-server openssh-client openmpi-bin sslscan nmap iptables iproute2
postgresql postgresql-client libpq-dev"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "deps: installing$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "deps: missing packages:$missing (run as root or install sudo)" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive

# Installing the server creates Debian's `main` cluster and, unless a
# policy-rc.d forbids it, starts it. The tests never use a system cluster
# (scripts/pg.sh runs throwaway ones), so stop any cluster that was not
# running before the install.
pg_online() {
	command -v pg_lsclusters >/dev/null 2>&1 || return 0
	pg_lsclusters -h 2>/dev/null | awk '$4 ~ /^online/ {print $1 "/" $2}'
}
before=" $(pg_online | tr '\n' ' ') "

$SUDO apt-get update -q >/dev/null || true
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null

for c in $(pg_online); do
	case "$before" in *" $c "*) continue ;; esac
	echo "deps: stopping PostgreSQL cluster $c (started by the install; the tests do not use it)"
	$SUDO pg_ctlcluster "${c%/*}" "${c#*/}" stop || true
done
