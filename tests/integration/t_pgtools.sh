# Self-tests of the PostgreSQL test tooling (scripts/pg.sh): a throwaway
# cluster on a Unix socket and 127.0.0.1, password auth over TCP.
# Run alone: HS_BIN=build/hs tests/integration/run.sh pgtools test_pgtools_

PGSH=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/pg.sh
# psql and createdb straight from the server's bin directory: Debian's
# /usr/bin wrappers (perl) cost 50 ms a call
PATH=/usr/lib/postgresql/$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -1)/bin:$PATH

# pg_up: a cluster in $TMP/pg, its variables exported, stopped when the
# test exits, or by pg.sh's guard should the test be killed.
pg_up() {
	local d=$TMP/pg env owner=$BASHPID  # (in $(...) it would differ)
	trap '"$PGSH" stop "'"$d"'"' EXIT
	env=$(HS_PG_OWNER=$owner "$PGSH" start "$d") || fail "pg.sh start $d failed"
	eval "$env"
	assert_eq "$env" "$(cat "$d/env")" "start output vs $d/env"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pm_gone PID: no such process, or a zombie waiting for its reaper.
pm_gone() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
	[ "$st" = Z ] || [ "$st" = X ]
}

# One cluster for the checks of a running cluster (each start costs 0.4 s
# on tmpfs, 1.5 s on this VM's disk).
test_pgtools_cluster() {
	pg_up
	assert_eq "$TMP/pg" "$PGHOST" PGHOST
	assert_eq hs "$PGUSER" PGUSER
	assert_eq hypershell "$PGDATABASE" PGDATABASE
	[[ $PGPORT =~ ^[0-9]+$ ]] && [ "$PGPORT" -ge 50000 ] && [ "$PGPORT" -lt 60000 ] ||
		fail "PGPORT [$PGPORT] not in 50000-59999"
	[[ $PGPASSWORD =~ ^[0-9a-f]{32}$ ]] || fail "PGPASSWORD [$PGPASSWORD] not 32 hex digits"
	assert_eq "postgresql://hs:$PGPASSWORD@127.0.0.1:$PGPORT/hypershell" "$HS_PG_URL" HS_PG_URL
	[ -S "$TMP/pg/.s.PGSQL.$PGPORT" ] || fail "no socket $TMP/pg/.s.PGSQL.$PGPORT"
	run "$PGSH" env "$TMP/pg"
	assert_rc 0
	assert_eq "$(cat "$TMP/pg/env")" "$out" "pg.sh env"
	run "$PGSH" status "$TMP/pg"
	assert_rc 0
	assert_eq "$TMP/pg: accepting connections on $PGPORT" "$out" "pg.sh status"
	# the server never runs as root; it listens on 127.0.0.1 only
	local pid uid hexport
	pid=$(cat "$TMP/pg/pid")
	uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
	[ -n "$uid" ] && [ "$uid" -ne 0 ] || fail "postmaster $pid runs as uid [$uid]"
	[ "$(id -u)" -ne 0 ] && assert_eq "$(id -u)" "$uid" "server uid (not root: the caller)"
	hexport=$(printf '%04X' "$PGPORT")
	assert_eq "0100007F:$hexport" "$(awk -v p=":$hexport" '$4 == "0A" && $2 ~ p"$" {print $2}' /proc/net/tcp)" "IPv4 listen address"
	assert_eq "" "$(awk -v p=":$hexport" '$4 == "0A" && $2 ~ p"$" {print $2}' /proc/net/tcp6 2>/dev/null)" "IPv6 listeners"
	run psql -X -tAc "show fsync; show synchronous_commit; show full_page_writes; show max_connections; show listen_addresses"
	assert_rc 0
	assert_eq "off off off 100 127.0.0.1" "$(echo $out)" "server settings"

	# Unix socket (PGHOST), as hs, no password needed (trust)
	run env -u PGPASSWORD psql -X -tAc "select 1, current_user, current_database(), inet_server_addr() is null"
	assert_rc 0
	assert_eq "1|hs|hypershell|t" "$out" "over the socket"
	# 127.0.0.1 with the URL (scram-sha-256)
	run env -u PGHOST -u PGPORT -u PGUSER -u PGPASSWORD -u PGDATABASE psql -X -w -tAc \
		"select 1, current_user, current_database(), host(inet_server_addr())" "$HS_PG_URL"
	assert_rc 0
	assert_eq "1|hs|hypershell|127.0.0.1" "$out" "over TCP with the URL"
	# and with the libpq variables and host 127.0.0.1
	run psql -X -w -h 127.0.0.1 -tAc "select 1"
	assert_rc 0
	assert_eq 1 "$out" "over TCP with PGPASSWORD"
	# the password is stored as SCRAM; hs may create databases
	run psql -X -U postgres -tAc "select rolpassword like 'SCRAM-SHA-256\$%', rolcreatedb, rolsuper from pg_authid where rolname = 'hs'"
	assert_eq "t|t|f" "$out" "role hs"
	run createdb hs_extra
	assert_rc 0
	run psql -X -w -tAc "select current_database()" "postgresql://hs:$PGPASSWORD@127.0.0.1:$PGPORT/hs_extra"
	assert_eq hs_extra "$out" "a database made by hs"

	# a wrong password over 127.0.0.1
	run env -u PGHOST psql -X -w -h 127.0.0.1 -tAc "select 1" "postgresql://hs:wrong@127.0.0.1:$PGPORT/hypershell"
	assert_rc 2
	assert_has "$err" 'password authentication failed for user "hs"'
	# no password at all (-w: never prompt)
	run env -u PGPASSWORD psql -X -w -h 127.0.0.1 -tAc "select 1"
	assert_rc 2
	assert_has "$err" "no password supplied"
	# the superuser has no password: trusted on the socket only
	run env PGPASSWORD=x psql -X -w -h 127.0.0.1 -U postgres -tAc "select 1"
	assert_rc 2
	assert_has "$err" 'password authentication failed for user "postgres"'
	run psql -X -U postgres -tAc "select 1"
	assert_eq 1 "$out" "superuser over the socket"
	assert_has "$(cat "$TMP/pg/log")" 'password authentication failed for user "hs"' "server log"

	# stop: the port closes, the postmaster exits, DIR goes
	local port=$PGPORT
	port_open "$port" || fail "port $port not open"
	run "$PGSH" stop "$TMP/pg"
	assert_rc 0
	assert_eq "" "$err" "stop stderr"
	port_open "$port" && fail "port $port still open after stop"
	pm_gone "$pid" || fail "postmaster $pid still running after stop"
	[ -e "$TMP/pg" ] && fail "$TMP/pg still there after stop"
	run psql -X -w -h 127.0.0.1 -p "$port" -tAc "select 1"
	[ "$rc" -ne 0 ] || fail "psql still connects after stop"
	# idempotent: nothing to stop
	run "$PGSH" stop "$TMP/pg"
	assert_rc 0
}

test_pgtools_foreign_dir() {
	# stop and start remove nothing that is not a pg.sh cluster
	mkdir "$TMP/other"; touch "$TMP/other/keep"
	run "$PGSH" stop "$TMP/other"
	assert_rc 1
	assert_has "$err" "not a pg.sh cluster directory"
	[ -e "$TMP/other/keep" ] || fail "stop removed a foreign directory"
	run "$PGSH" start "$TMP/other"
	assert_rc 1
	[ -e "$TMP/other/keep" ] || fail "start removed a foreign directory"
	assert_has "$err" "not a pg.sh cluster directory"
	# an empty directory is fine to use and to remove
	mkdir "$TMP/empty"
	run "$PGSH" stop "$TMP/empty"
	assert_rc 0
	[ -e "$TMP/empty" ] && fail "empty directory kept"
	# bad names are refused before anything happens
	run "$PGSH" start "$TMP/with space"
	assert_rc 1
	assert_has "$err" "only letters, digits"
	run "$PGSH" start "$TMP/$(printf 'x%.0s' $(seq 90))"
	assert_rc 1
	assert_has "$err" "too long for a Unix socket path"
	run "$PGSH" nosuchcommand
	assert_rc 2
	assert_has "$err" "pg.sh start DIR"
	return 0
}

test_pgtools_restart_stale() {
	pg_up
	local port1=$PGPORT pid1
	pid1=$(cat "$TMP/pg/pid")
	echo junk > "$TMP/pg/junk"
	# a second start on the same DIR (a stale run) replaces the first
	pg_up
	pm_gone "$pid1" || fail "old postmaster $pid1 still running"
	[ "$PGPORT" = "$port1" ] || ! port_open "$port1" || fail "old port $port1 still open"
	[ -e "$TMP/pg/junk" ] && fail "stale files kept"
	run psql -X -w -tAc "select 1" "$HS_PG_URL"
	assert_eq 1 "$out" "new cluster"
	[ "$(grep -c 'pg_ctl start' "$TMP/pg/log")" -ge 1 ] || fail "no start in the new log"
	# a crashed server (postmaster.pid and socket lock left behind) is
	# cleaned up the same way
	local pid2 port2=$PGPORT
	pid2=$(cat "$TMP/pg/pid")
	kill -9 "$pid2"
	for _ in $(seq 50); do pm_gone "$pid2" && break; sleep 0.05; done
	[ -e "$TMP/pg/data/postmaster.pid" ] || fail "no postmaster.pid left by the crash"
	run "$PGSH" stop "$TMP/pg"
	assert_rc 0
	[ -e "$TMP/pg" ] && fail "$TMP/pg still there after stop"
	port_open "$port2" && fail "port $port2 still open"
	return 0
}

test_pgtools_guard() {
	# the caller dies without `stop`: the guard stops the cluster
	sleep 60 & local owner=$!
	local env port pid
	env=$(HS_PG_OWNER=$owner "$PGSH" start "$TMP/pg") || fail "start failed"
	trap '"$PGSH" stop "$TMP/pg"; kill $owner 2>/dev/null' EXIT
	eval "$env"
	port=$PGPORT; pid=$(cat "$TMP/pg/pid")
	port_open "$port" || fail "port $port not open"
	# the guard (it looks twice a second) leaves it alone while the owner lives
	sleep 1
	port_open "$port" || fail "port $port closed while the owner lives"
	kill "$owner"; wait "$owner" 2>/dev/null
	for _ in $(seq 50); do
		! port_open "$port" && [ ! -e "$TMP/pg" ] && break
		sleep 0.1
	done
	port_open "$port" && fail "port $port still open 5 s after the owner died"
	[ -e "$TMP/pg" ] && fail "$TMP/pg still there 5 s after the owner died"
	pm_gone "$pid" || fail "postmaster $pid still running"
	return 0
}

test_pgtools_no_template() {
	# initdb every time (HS_PG_TEMPLATE=none) gives the same cluster
	local env
	trap '"$PGSH" stop "$TMP/pg"' EXIT
	env=$(HS_PG_TEMPLATE=none "$PGSH" start "$TMP/pg") || fail "start failed"
	eval "$env"
	run psql -X -w -tAc "select current_user, current_database()" "$HS_PG_URL"
	assert_rc 0
	assert_eq "hs|hypershell" "$out" "over TCP"
	[ -e "$TMP/pg/data/instance.conf" ] || fail "no instance.conf"
}
