#!/bin/bash
# pg.sh: throwaway PostgreSQL clusters for the tests (the server from
# Debian's postgresql package, which scripts/deps.sh installs).
#
#   pg.sh start DIR     a fresh cluster in DIR (a stale one left there by an
#                       earlier run is stopped and removed first); waits until
#                       it accepts connections, then prints the export lines
#                       of DIR/env on stdout:  eval "$(scripts/pg.sh start D)"
#   pg.sh stop DIR      stop it (immediate shutdown) and remove DIR; nothing
#                       to do when DIR does not exist
#   pg.sh restart DIR [DOWN]
#                       an outage: immediate shutdown (connections are cut,
#                       as in a crash), DOWN seconds (default 0) without a
#                       server, then start again on the same port, data kept
#   pg.sh env DIR       print DIR/env again
#   pg.sh status DIR    "DIR: accepting connections on PORT" or status 1
#   pg.sh template [T]  build the initdb cache T (default $HS_PG_TEMPLATE,
#                       else build/pg-template) unless it is current; `start`
#                       does this itself on first use
#
# DIR/env exports (values single-quoted):
#   PGHOST=DIR  PGPORT=<port>  PGUSER=hs  PGPASSWORD=<random hex>
#   PGDATABASE=hypershell
#   HS_PG_URL=postgresql://hs:<password>@127.0.0.1:<port>/hypershell
# so plain `psql` goes over the Unix socket, `psql "$HS_PG_URL"` over TCP.
#
# The cluster: superuser `postgres`; role `hs` (LOGIN CREATEDB, random
# password, owner of database `hypershell`). It listens on a Unix socket
# in DIR (mode 0700: only the server user and root can connect) and on
# 127.0.0.1:<port> only (a free port in 50000-59999). pg_hba: Unix socket
# `trust` for every role; 127.0.0.1 `scram-sha-256` for every role (only
# `hs` has a password). fsync, synchronous_commit and full_page_writes are
# off, max_connections is 100. Layout: DIR/data (PGDATA), DIR/log (server
# and pg_ctl output), DIR/env, DIR/port, DIR/pid (postmaster), DIR/.hs-pg
# (marks DIR as ours: stop and start only ever remove such a DIR).
#
# Speed: `start` copies a cached cluster (initdb + role + database, made
# once, rebuilt when the PostgreSQL version, the server user or this
# script's REV changes) instead of running initdb. The cost is creating
# its ~1300 files: with DIR on tmpfs (/dev/shm) start takes 0.35-0.45 s
# (0.9 s with initdb), on the development VM's ext4 disk 1.3-1.8 s
# (1.8-2 s with initdb); building the cache 1-1.5 s once; stop 0.15 s.
# HS_PG_TEMPLATE=none runs initdb every time.
#
# Environment: HS_PG_USER (server account when run as root; default
# postgres, made by the package), HS_PG_BINDIR (default the newest
# /usr/lib/postgresql/*/bin), HS_PG_TEMPLATE (cache dir, or none),
# HS_PG_OWNER=PID (start: a detached guard stops the cluster and removes
# DIR once PID has exited, should the caller die before its `stop`).
#
# Root: PostgreSQL refuses to run as root, so the server runs as
# HS_PG_USER (runuser); DIR is chowned to it, and any directory above DIR
# that it cannot search gets o+x (recorded in DIR/log). Not root: the
# server runs as the calling user, nothing is chmodded.
# DIR: relative or absolute; its absolute form must fit in 90 characters
# (the socket path limit) and use letters, digits and ._/@+- only.
set -u
REV=1  # bump when the cluster settings below change: rebuilds the cache
repo=$(cd "$(dirname "$0")/.." && pwd)
self=$repo/scripts/pg.sh

# our own psql/pg_ctl calls must not see the caller's PG* settings
for v in $(compgen -e); do
	case $v in PG*) unset "$v" ;; esac
done

die() { echo "pg.sh: $*" >&2; exit 1; }

if [ -n "${HS_PG_BINDIR:-}" ]; then
	bin=$HS_PG_BINDIR
else
	ver=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -1)
	[ -n "$ver" ] || die "no /usr/lib/postgresql/*: run scripts/deps.sh"
	bin=/usr/lib/postgresql/$ver/bin
fi
[ -x "$bin/initdb" ] && [ -x "$bin/pg_ctl" ] && [ -x "$bin/psql" ] ||
	die "$bin lacks initdb, pg_ctl or psql: run scripts/deps.sh"

if [ "$(id -u)" -eq 0 ]; then
	pguser=${HS_PG_USER:-postgres}
	id -u "$pguser" >/dev/null 2>&1 || die "no user $pguser to run the server: run scripts/deps.sh or set HS_PG_USER"
	[ "$(id -u "$pguser")" -ne 0 ] || die "HS_PG_USER must not be root"
else
	pguser=$(id -un)
fi

# closefds: close every fd above 2 (our lock, and whatever the caller
# passed down, say a make jobserver or a bats fd 3), so that a server
# started from here holds none of them.
closefds() {
	local fd
	for fd in /proc/$BASHPID/fd/*; do
		fd=${fd##*/}
		[ "$fd" -gt 2 ] && eval "exec $fd>&-"
	done 2>/dev/null
	return 0
}

# as_server CMD...: CMD as the server user, from /, with fds 0-2 only.
as_server() {
	if [ "$(id -u)" -eq 0 ]; then
		(closefds; cd / && exec runuser -u "$pguser" -- "$@")
	else
		(closefds; cd / && exec "$@")
	fi
}

# absdir PATH: PATH made absolute (physical), checked for the socket.
absdir() {
	local p=$1 parent
	[ -n "$p" ] || die "empty directory name"
	case $p in /*) ;; *) p=$PWD/$p ;; esac
	[ "$(basename "$p")" != / ] || die "$1: not a usable directory"
	parent=$(dirname "$p")
	[ -d "$parent" ] || die "$parent: no such directory"
	p=$(cd "$parent" && pwd -P)/$(basename "$p")
	[[ $p =~ ^[A-Za-z0-9._/@+-]+$ ]] || die "$p: only letters, digits and ._/@+- please"
	[ ${#p} -le 90 ] || die "$p: too long for a Unix socket path (max 90 characters)"
	case $p in /|/.|/..|*/.|*/..) die "$p: not a usable directory" ;; esac
	echo "$p"
}

# reachable PATH LOG: make every directory on PATH searchable by the
# server user (root only), adding o+x where it is missing.
reachable() {
	[ "$(id -u)" -eq 0 ] || return 0
	local bad i
	for i in $(seq 64); do
		bad=$(as_server sh -c 'p=; for c in $(echo "$1" | tr / " "); do p=$p/$c; [ -x "$p" ] || { echo "$p"; exit; }; done' sh "$1")
		[ -n "$bad" ] || return 0
		echo "pg.sh: chmod o+x $bad (for the server user $pguser)" >> "$2"
		chmod o+x "$bad" || die "cannot chmod o+x $bad"
	done
	die "cannot make $1 reachable for $pguser"
}

# alive PID: a running postgres process.
alive() {
	local st
	[ -n "$1" ] || return 1
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ] &&
		grep -qx 'postgres\|postmaster' "/proc/$1/comm" 2>/dev/null
}

# kill_postmaster PID: immediate shutdown (SIGQUIT), then SIGKILL.
kill_postmaster() {
	local i
	alive "$1" || return 0
	kill -QUIT "$1" 2>/dev/null
	for i in $(seq 100); do
		alive "$1" || return 0
		sleep 0.05
	done
	kill -9 "$1" 2>/dev/null
	for i in $(seq 40); do
		alive "$1" || return 0
		sleep 0.05
	done
	return 0
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# sql SOCKETDIR PORT: run the SQL on stdin as the superuser.
sql() {
	"$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$1" -p "$2" -U postgres -d postgres >/dev/null
}

# initcluster DATA LOG: initdb and our settings (DATA's parent belongs to
# the server user).
initcluster() {
	local data=$1 log=$2
	as_server "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C -N \
		--no-instructions >>"$log" 2>&1 || die "initdb failed: $(tail -5 "$log")"
	cat >> "$data/postgresql.conf" <<EOF

# --- scripts/pg.sh: a throwaway test cluster
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
huge_pages = off
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
unix_socket_permissions = 0700
listen_addresses = ''
# port, listen_addresses, unix_socket_directories of this copy
include_if_exists = 'instance.conf'
EOF
	cat > "$data/pg_hba.conf" <<EOF
# scripts/pg.sh: socket trusted, 127.0.0.1 by password
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 trust
host    all       all   127.0.0.1/32  scram-sha-256
EOF
}

# pgstart DIR PORT SOCKETDIR TCP: start the server of DIR/data with its
# socket in SOCKETDIR (and on 127.0.0.1:PORT when TCP is yes); status 2
# when the port is taken.
pgstart() {
	local d=$1 port=$2 sock=$3 tcp=$4 mark
	{
		echo "port = $port"
		echo "unix_socket_directories = '$sock'"
		[ "$tcp" = yes ] && echo "listen_addresses = '127.0.0.1'"
	} > "$d/data/instance.conf"
	chown "$pguser" "$d/data/instance.conf" 2>/dev/null
	mark=$(wc -l < "$d/log")
	echo "--- pg.sh: pg_ctl start, port $port" >> "$d/log"
	as_server "$bin/pg_ctl" -D "$d/data" -l "$d/log" -w -t 60 start </dev/null >>"$d/log" 2>&1 && return 0
	tail -n +$((mark + 1)) "$d/log" | grep -qiE 'could not bind|address already in use|could not create any TCP' && return 2
	return 1
}

# pgstop DIR MODE: pg_ctl stop, then make sure the postmaster is gone.
pgstop() {
	local d=$1 pid
	pid=$(head -1 "$d/data/postmaster.pid" 2>/dev/null)
	[ -n "$pid" ] || pid=$(cat "$d/pid" 2>/dev/null)
	if [ -f "$d/data/postmaster.pid" ]; then
		as_server "$bin/pg_ctl" -D "$d/data" -m "$2" -w -t 30 stop </dev/null >>"$d/log" 2>&1
	fi
	kill_postmaster "$pid"
}

# template T: the cache T/data, current for this version, user and REV.
template() {
	local t=$1 stamp tmp sock
	stamp="$("$bin/postgres" -V) user=$pguser uid=$(id -u "$pguser") rev=$REV"
	mkdir -p "$(dirname "$t")" || die "cannot create $(dirname "$t")"
	exec 9>"$t.lock"
	flock 9 || die "cannot lock $t.lock"
	if [ -d "$t/data" ] && [ "$(cat "$t/stamp" 2>/dev/null)" = "$stamp" ]; then
		exec 9>&-
		return 0
	fi
	tmp=$t.tmp.$$
	rm -rf "$t".tmp.*   # left by a build that died (we hold the lock)
	mkdir -p "$tmp" && : > "$tmp/log" || die "cannot create $tmp"
	if [ "$(id -u)" -eq 0 ]; then
		chown "$pguser" "$tmp" "$tmp/log" || die "cannot chown $tmp"
	fi
	chmod 700 "$tmp"
	reachable "$tmp" "$tmp/log"
	initcluster "$tmp/data" "$tmp/log"
	# no TCP; the socket in a short private directory (T may be long)
	sock=$(mktemp -d /tmp/hs-pg.XXXXXX) || die "mktemp failed"
	[ "$(id -u)" -eq 0 ] && chown "$pguser" "$sock"
	if ! pgstart "$tmp" 5432 "$sock" no; then
		rm -rf "$sock"
		die "template server did not start (see $tmp/log): $(tail -5 "$tmp/log")"
	fi
	if ! setup "$sock" 5432; then
		pgstop "$tmp" immediate; rm -rf "$sock"
		die "template setup failed (see $tmp/log)"
	fi
	pgstop "$tmp" fast   # a clean shutdown: copies start without recovery
	rm -rf "$sock"
	rm -f "$tmp/data/instance.conf" "$tmp/data/postmaster.opts"
	echo "$stamp" > "$tmp/stamp"
	rm -rf "$t"
	mv -T "$tmp" "$t" || die "cannot move $tmp to $t"
	exec 9>&-
}

# setup DIR PORT: the role and the database.
setup() {
	sql "$1" "$2" <<EOF
CREATE ROLE hs LOGIN CREATEDB;
CREATE DATABASE hypershell OWNER hs;
EOF
}

q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

start() {
	local d t port pw rc i pid
	d=$(absdir "${1:?usage: pg.sh start DIR}") || exit 1
	if [ -n "${HS_PG_OWNER:-}" ]; then
		[[ $HS_PG_OWNER =~ ^[0-9]+$ ]] && kill -0 "$HS_PG_OWNER" 2>/dev/null ||
			die "HS_PG_OWNER=$HS_PG_OWNER: no such process"
		# owner=$(HS_PG_OWNER=$BASHPID pg.sh start ...) names pg.sh itself
		[ "$HS_PG_OWNER" != $$ ] ||
			die "HS_PG_OWNER is this pg.sh process: take \$BASHPID outside \$(...)"
	fi

	if [ -e "$d" ]; then
		if [ -e "$d/.hs-pg" ]; then
			stop "$d"
		elif [ -d "$d" ] && [ -z "$(ls -A "$d")" ]; then
			rmdir "$d"
		else
			die "$d exists and is not a pg.sh cluster directory; not touching it"
		fi
	fi
	mkdir "$d" && touch "$d/.hs-pg" "$d/log" || die "cannot create $d"
	if [ "$(id -u)" -eq 0 ]; then
		chown "$pguser" "$d" "$d/log" || die "cannot chown $d to $pguser"
	fi
	chmod 755 "$d"
	reachable "$d" "$d/log"

	t=${HS_PG_TEMPLATE-$repo/build/pg-template}
	if [ -n "$t" ] && [ "$t" != none ]; then
		t=$(absdir "$t") || exit 1
		template "$t"
		cp -a "$t/data" "$d/data" || die "cannot copy $t/data"
	else
		initcluster "$d/data" "$d/log"
	fi

	rc=1
	for _ in 1 2 3 4 5; do
		port=""
		for i in $(seq 50); do
			port=$((50000 + RANDOM % 10000))
			port_free "$port" && break
			port=""
		done
		[ -n "$port" ] || die "no free port"
		running=$d
		pgstart "$d" "$port" "$d" yes; rc=$?
		[ $rc -eq 2 ] && continue
		break
	done
	[ $rc -eq 0 ] || die "the server did not start (see $d/log): $(tail -5 "$d/log")"
	pid=$(head -1 "$d/data/postmaster.pid")
	echo "$pid" > "$d/pid"
	echo "$port" > "$d/port"
	for i in $(seq 200); do
		"$bin/pg_isready" -q -h "$d" -p "$port" -U postgres -d postgres &&
			"$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres && break
		[ "$i" -eq 200 ] && die "pg_isready failed for 10 s (see $d/log)"
		sleep 0.05
	done

	if [ -z "$t" ] || [ "$t" = none ]; then
		setup "$d" "$port" || die "cannot create role hs and database hypershell (see $d/log)"
	fi
	pw=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
	echo "ALTER ROLE hs PASSWORD '$pw';" | sql "$d" "$port" || die "cannot set the password of hs"

	{
		echo "export PGHOST=$(q "$d")"
		echo "export PGPORT=$(q "$port")"
		echo "export PGUSER='hs'"
		echo "export PGPASSWORD=$(q "$pw")"
		echo "export PGDATABASE='hypershell'"
		echo "export HS_PG_URL=$(q "postgresql://hs:$pw@127.0.0.1:$port/hypershell")"
	} > "$d/env.tmp" && chmod 600 "$d/env.tmp" && mv "$d/env.tmp" "$d/env" || die "cannot write $d/env"

	if [ -n "${HS_PG_OWNER:-}" ]; then
		guard "$d" "$pid" "$HS_PG_OWNER"
		echo "$HS_PG_OWNER" > "$d/owner"
	fi
	running=""
	cat "$d/env"
}

# guard DIR POSTMASTER OWNER: a detached watcher that stops the cluster
# once OWNER has exited (and itself once the postmaster is gone); it looks
# twice a second.
guard() {
	local d=$1 pid=$2 owner=$3
	( ( exec </dev/null >/dev/null 2>&1
	    closefds
	    s=""
	    trap 'kill $s 2>/dev/null; exit 0' TERM
	    echo "$BASHPID" > "$d/guard.pid"
	    while kill -0 "$owner" 2>/dev/null && alive "$pid"; do
	      sleep 0.5 & s=$!; wait $s
	    done
	    alive "$pid" || exit 0
	    kill_postmaster "$pid"
	    rm -f "$d/guard.pid"
	    [ -e "$d/.hs-pg" ] && "$self" stop "$d"
	  ) & )
}

stop() {
	local d g
	[ -e "${1:?usage: pg.sh stop DIR}" ] || return 0
	d=$(absdir "$1") || exit 1
	if [ ! -e "$d/.hs-pg" ]; then
		[ -d "$d" ] && [ -z "$(ls -A "$d")" ] && { rmdir "$d"; return 0; }
		die "$d is not a pg.sh cluster directory; not touching it"
	fi
	g=$(cat "$d/guard.pid" 2>/dev/null)
	[ -n "$g" ] && [ "$g" != "${BASHPID:-}" ] && kill "$g" 2>/dev/null
	pgstop "$d" immediate
	rm -rf "$d" || die "cannot remove $d"
}

# a `start` that fails after the server came up stops it again (DIR and
# its log stay for a look; the next start or stop removes them)
running=""
trap '[ -n "$running" ] && pgstop "$running" immediate' EXIT

cmd=${1:-}
case $cmd in
start) start "${2:-}" ;;
stop) stop "${2:-}" ;;
restart)
	d=$(absdir "${2:?usage: pg.sh restart DIR [DOWN]}") || exit 1
	[ -e "$d/.hs-pg" ] && port=$(cat "$d/port" 2>/dev/null) || die "$d: no cluster started there"
	pgstop "$d" immediate
	sleep "${3:-0}"
	pgstart "$d" "$port" "$d" yes || die "the server did not start again (see $d/log)"
	head -1 "$d/data/postmaster.pid" > "$d/pid"
	o=$(cat "$d/owner" 2>/dev/null)   # the old guard left with the old postmaster
	[ -n "$o" ] && kill -0 "$o" 2>/dev/null && guard "$d" "$(cat "$d/pid")" "$o"
	for i in $(seq 200); do
		"$bin/pg_isready" -q -h "$d" -p "$port" -U postgres -d postgres && break
		[ "$i" -eq 200 ] && die "pg_isready failed for 10 s (see $d/log)"
		sleep 0.05
	done ;;
env)
	d=$(absdir "${2:?usage: pg.sh env DIR}") || exit 1
	[ -f "$d/env" ] || die "$d/env: no cluster started there"
	cat "$d/env" ;;
status)
	d=$(absdir "${2:?usage: pg.sh status DIR}") || exit 1
	port=$(cat "$d/port" 2>/dev/null) || die "$d: no cluster started there"
	"$bin/pg_isready" -q -h "$d" -p "$port" -U postgres -d postgres ||
		die "$d: not accepting connections on $port"
	echo "$d: accepting connections on $port" ;;
template)
	t=${2:-${HS_PG_TEMPLATE:-$repo/build/pg-template}}
	[ "$t" != none ] || die "HS_PG_TEMPLATE=none: no template"
	t=$(absdir "$t") || exit 1
	template "$t"
	echo "$t" ;;
*)
	sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2 ;;
esac
