# A full disk (issue 6, scenario 4): the database on a tiny tmpfs that the
# test mounts. Submits fail with a clear error and acknowledge exactly
# what was stored; the server stays up while it cannot write, and work
# resumes when space is freed. Root only (mount); on PostgreSQL the
# database is not on that disk, so SQLite only.

source "$(dirname "${BASH_SOURCE[0]}")/tools/qlib.sh"

# small_disk SIZE: a tmpfs at $TMP/disk, unmounted when the test ends.
small_disk() {
	mkdir -p "$TMP/disk"
	mount -t tmpfs -o "size=$1" tmpfs "$TMP/disk" || fail "cannot mount a tmpfs (root needed)"
	trap 'q_cleanup; umount -l "$TMP/disk" 2>/dev/null' EXIT
	export HYPERSHELL_DATABASE_FILE=$TMP/disk/main.db
}

test_disk_full_submit_acknowledges_only_what_it_stored() {
	sqlite_only
	small_disk 3m
	run bash -c "seq 200000 | '$HS_BIN' submit"
	assert_rc 5
	assert_has "$err" "disk full"
	local said
	said=$(sed -n 's/.*Submitted \([0-9]*\) tasks.*/\1/p' <<< "$err")
	[ -n "$said" ] || said=0
	assert_eq "$said" "$(hs list --count)" "tasks acknowledged vs stored"
	# the database is intact and still usable once there is room
	rm -f "$TMP/disk/filler"
	run hs list --count --remaining
	assert_rc 0
}

test_disk_full_server_keeps_results_and_resumes() {
	sqlite_only
	q_setup
	small_disk 8m
	# one task in 5 fails: a write retried after the disk filled must not
	# report a failure twice (warning, -f file)
	seq 300 | awk '{print "sleep 0.02; test " ($1 % 5) " -ne 0 && : " $1}' | hs submit
	start_server -f "$TMP/failed.txt"
	start_client c1 -N 2
	wait_until 20 eval "[ \"\$(sql 'select count(*) from task where completion_time is not null')\" -ge 20 ]" \
		|| fail "no progress"
	# fill the disk to the last block while tasks run and results arrive
	dd if=/dev/zero of="$TMP/disk/filler" bs=64k 2>/dev/null
	sleep 3
	kill -0 "$SPID" || fail "the server died on a full disk: $(tail -5 "$SLOG")"
	rm -f "$TMP/disk/filler"
	wait_exit "$CPID" 60; assert_eq 0 "$wrc" "client exit"
	wait_exit "$SPID" 30; assert_eq 0 "$wrc" "server exit"
	assert_eq "240|60" "$(sql 'select sum(exit_status = 0), sum(exit_status = 1) from task')" "tasks done"
	assert_eq "60|60" "$(sort -u "$TMP/failed.txt" | wc -l)|$(wc -l < "$TMP/failed.txt")" \
		"distinct|all lines of the failures file"
	assert_eq 60 "$(count_log 'Non-zero exit status (1)')" "failure warnings"
	assert_eq 1 "$(count_log 'Database unavailable')" "outage lines (one per outage)"
	assert_has "$(cat "$SLOG")" "Database available again"
}
