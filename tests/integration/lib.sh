# lib.sh: helpers for the integration tests (sourced by run.sh).
# Each test function runs in its own shell, in a fresh directory, with
# HOME and HYPERSHELL_SITE pointing inside it, so no test sees another's
# configuration or database.

hs() { "$HS_BIN" "$@"; }

fail() { echo "FAIL: $*" >&2; exit 1; }

# run CMD...: run it, keeping stdout in $out, stderr in $err, status in $rc.
run() {
	"$@" >"$TMP/.out" 2>"$TMP/.err"
	rc=$?
	out=$(cat "$TMP/.out")
	err=$(cat "$TMP/.err")
	return 0
}

assert_eq() {  # expected actual [what]
	[ "$1" == "$2" ] || fail "${3:-value}: expected [$1], got [$2]"
}

assert_rc() {  # expected-status (after run)
	[ "$rc" -eq "$1" ] || fail "exit status: expected $1, got $rc; stderr: $err; stdout: ${out:0:400}"
}

assert_has() {  # haystack needle [what]
	case "$1" in *"$2"*) ;; *) fail "${3:-output} lacks [$2]: [${1:0:600}]" ;; esac
}

assert_lacks() {  # haystack needle [what]
	case "$1" in *"$2"*) fail "${3:-output} should not contain [$2]: [${1:0:600}]" ;; esac
}

# A database path for raw checks with the sqlite3 CLI.
db() { echo "${HYPERSHELL_DATABASE_FILE:-$HYPERSHELL_SITE/lib/main.db}"; }
# sql QUERY: raw SQL on the test's database, as the sqlite3 CLI prints
# it (columns joined by '|'); on PostgreSQL through psql in its schema.
sql() {
	if [ "${HYPERSHELL_DATABASE_PROVIDER:-sqlite}" = postgres ]; then
		psql "$HS_PG_URL" -X -q -A -t -F '|' -v ON_ERROR_STOP=1 \
			-c "SET search_path TO $HYPERSHELL_DATABASE_SCHEMA" -c "$*" 2>&1
	else
		sqlite3 "$(db)" "$@"
	fi
}
on_pg() { [ "${HYPERSHELL_DATABASE_PROVIDER:-sqlite}" = postgres ]; }
# db_exists: the test's database exists: the SQLite file, or on
# PostgreSQL the test's schema.
db_exists() {
	if on_pg; then
		[ "$(psql "$HS_PG_URL" -X -q -A -t -c "select count(*) from pg_namespace
			where nspname = '$HYPERSHELL_DATABASE_SCHEMA'")" = 1 ]
	else
		[ -e "$(db)" ]
	fi
}
# has_table NAME: 1 if the test's database has that table, else 0.
has_table() {
	if on_pg; then
		sql "select count(*) from pg_tables where schemaname = '$HYPERSHELL_DATABASE_SCHEMA' and tablename = '$1'"
	else
		sql "select count(*) from sqlite_master where type = 'table' and name = '$1'"
	fi
}
# pg_only: the rest of this test needs PostgreSQL (several servers on
# one database): it passes without running in the SQLite run.
pg_only() { on_pg || { echo "skipped on SQLite: needs PostgreSQL"; exit 0; }; return 0; }
# sqlite_only: the rest of this test is about the SQLite file itself
# (WAL, pragmas, file modes): it passes without running on PostgreSQL.
sqlite_only() { on_pg && { echo "skipped on PostgreSQL: SQLite file behaviour"; exit 0; }; return 0; }
