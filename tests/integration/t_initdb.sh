# hs initdb, and databases that are missing, corrupt, newer or locked.

# tables, indexes: the names in the test's database, sorted
tables() {
	if on_pg; then
		sql "select tablename from pg_tables where schemaname = current_schema() order by tablename collate \"C\""
	else
		sql "select name from sqlite_master where type='table' order by name"
	fi
}
indexes() {
	if on_pg; then
		sql "select indexname from pg_indexes where schemaname = current_schema() order by indexname collate \"C\""
	else
		sql "select name from sqlite_master where type='index' order by name"
	fi
}
# make_table DEFINITION: a table made by someone else, in a database (on
# PostgreSQL: the test's schema) hs has not initialised
make_table() {
	if on_pg; then
		sql "create schema if not exists $HYPERSHELL_DATABASE_SCHEMA; create table $HYPERSHELL_DATABASE_SCHEMA.$1" >/dev/null
	else
		mkdir -p "$HYPERSHELL_SITE/lib"
		sqlite3 "$(db)" "create table $1"
	fi
}
# snapshot: what a refused command must leave as it was: the SQLite file
# (checkpointed); on PostgreSQL the rows, versions and tables
snapshot() {
	if on_pg; then
		sql "select (select count(*) from task), (select string_agg(version::text, ',' order by version)
			from schema_version), (select count(*) from pg_tables where schemaname = current_schema())"
	else
		sqlite3 "$(db)" "pragma wal_checkpoint(truncate)" >/dev/null
		md5sum < "$(db)"
	fi
}

test_initdb_creates_schema() {
	run hs initdb
	assert_rc 0
	assert_has "$err" "Initialized database"
	assert_eq "client
schema_version
server
task" "$(tables)"
	assert_has "$(indexes)" "index_tasks_unscheduled"
	run hs initdb
	assert_rc 0
	assert_eq 2 "$(sql 'select count(*) from schema_version')" "idempotent"
}

test_initdb_truncate_needs_yes_without_tty() {
	seq 3 | hs submit 2>/dev/null
	run hs initdb --truncate < /dev/null
	assert_rc 2
	assert_has "$err" "--yes"
	assert_eq 3 "$(sql 'select count(*) from task')"
	run hs initdb --truncate --yes
	assert_rc 0
	assert_eq 0 "$(sql 'select count(*) from task')"
}

test_initdb_vacuum_and_backup() {
	seq 100 | hs submit 2>/dev/null
	run hs initdb --vacuum
	assert_rc 0
	assert_eq 100 "$(hs list --count)" "tasks after --vacuum"
	if on_pg; then   # --backup copies a SQLite file
		run hs initdb --backup "$TMP/copy.db"
		assert_rc 2
		assert_has "$err" "pg_dump"
		[ ! -e "$TMP/copy.db" ] || fail "--backup wrote a file"
	fi
	sqlite_only
	run hs initdb --backup "$TMP/copy.db"
	assert_rc 0
	assert_eq 100 "$(sqlite3 "$TMP/copy.db" 'select count(*) from task')"
	run hs initdb --backup "$TMP/copy.db"
	assert_rc 2
	assert_has "$err" "already exists"
}

test_corrupt_database_exit_5_untouched() {
	sqlite_only
	mkdir -p "$HYPERSHELL_SITE/lib"
	head -c 8192 /dev/urandom > "$(db)"
	sum=$(md5sum < "$(db)")
	for cmd in "list --count" "initdb" "update --delete -f"; do
		run hs $cmd
		assert_rc 5
		assert_has "$err" "is not a database"
	done
	run bash -c "echo x | $HS_BIN submit"
	assert_rc 5
	assert_eq "$sum" "$(md5sum < "$(db)")" "file unchanged"
	[ ! -e "$(db)-wal" ] || fail "WAL created"
}

test_newer_schema_exit_5_untouched() {
	echo x | hs submit 2>/dev/null
	sql "insert into schema_version values (99, '2030-01-01', 'future')"
	sum=$(snapshot)
	for cmd in "list --count" "initdb" "initdb --truncate --yes"; do
		run hs $cmd
		assert_rc 5
		assert_has "$err" "schema version 99, newer than this hs supports"
	done
	run bash -c "echo y | $HS_BIN submit"
	assert_rc 5
	assert_eq "$sum" "$(snapshot)" "database unchanged"
}

test_foreign_database_adopted_only_by_initdb() {
	make_table "other (x integer)"
	run hs list --count
	assert_rc 5
	assert_has "$err" "was not made by this hs"
	run bash -c "echo x | $HS_BIN submit"
	assert_rc 5
	run hs initdb
	assert_rc 0
	assert_eq 0 "$(hs list --count --remaining)"
}

test_incompatible_task_table_refused() {
	make_table "task (id text, name text)"
	run hs initdb
	assert_rc 5
	assert_has "$err" "task table this version cannot use"
	assert_eq 0 "$(has_table schema_version)"
	assert_eq "task" "$(tables)" "tables after the refusal"
}

test_empty_database_file() {
	if on_pg; then   # an empty schema
		sql "create schema $HYPERSHELL_DATABASE_SCHEMA" >/dev/null
	else
		mkdir -p "$HYPERSHELL_SITE/lib"
		: > "$(db)"
	fi
	run hs list --count
	assert_rc 5
	assert_has "$err" "not initialised"
	run hs initdb
	assert_rc 0
	assert_eq 0 "$(hs list --count --remaining)"
}

test_locked_database_exit_5() {
	sqlite_only   # busy_timeout; PostgreSQL waits for the lock
	echo x | hs submit 2>/dev/null
	mkdir -p "$HYPERSHELL_SITE"
	printf '[database.pragmas]\nbusy_timeout = 200\n' > "$HYPERSHELL_SITE/config.toml"
	mkfifo hold
	( sqlite3 "$(db)" < hold ) &
	exec 3>hold
	echo "begin exclusive; insert into task (id, args, submit_id, submit_time, submit_host) values ('a','b','c','d','e');" >&3
	sleep 0.5
	run bash -c "echo y | $HS_BIN submit"
	assert_rc 5
	assert_has "$err" "is locked"
	echo "rollback;" >&3
	exec 3>&-
	wait
	assert_eq 1 "$(sql 'select count(*) from task')"
}

test_database_file_from_config() {
	sqlite_only
	mkdir -p "$HYPERSHELL_SITE"
	printf '[database]\nfile = "%s/other.db"\n' "$TMP" > "$HYPERSHELL_SITE/config.toml"
	echo x | hs submit 2>/dev/null
	assert_eq 1 "$(sqlite3 "$TMP/other.db" 'select count(*) from task')"
}

test_provider_postgres_unreachable_is_one_line_exit_5() {
	mkdir -p "$HYPERSHELL_SITE"
	printf '[database]\nprovider = "postgres"\nhost = "127.0.0.1"\nport = 1\npassword = "s3cret-pw"\n' \
		> "$HYPERSHELL_SITE/config.toml"
	chmod 600 "$HYPERSHELL_SITE/config.toml"   # it holds a password
	unset HYPERSHELL_DATABASE_URL HYPERSHELL_DATABASE_SCHEMA
	run hs list --count
	assert_rc 5
	assert_has "$err" "cannot connect to database postgresql://"
	assert_eq 1 "$(printf '%s\n' "$err" | wc -l)" "lines of error"
	assert_lacks "$err" "s3cret-pw"
}

test_database_shorthand_names_sqlite_file() {
	sqlite_only
	mkdir -p "$HYPERSHELL_SITE"
	printf 'database = "%s/short.db"\n' "$TMP" > "$HYPERSHELL_SITE/config.toml"
	run bash -c "echo x | $HS_BIN submit"
	assert_rc 0
	assert_eq 1 "$(sqlite3 "$TMP/short.db" 'select count(*) from task')"
	assert_eq "$TMP/short.db" "$(hs config get database.file)"
}
