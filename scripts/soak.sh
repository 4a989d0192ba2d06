#!/bin/bash
# soak.sh: make soak. The fault-mix soak (tests/integration/soak_faults.sh)
# on SQLite, then on a throwaway PostgreSQL cluster (scripts/pg.sh).
# SOAK_SECONDS (1800) and SOAK_TASKS (100000) size each run; SOAK_PG=0
# skips the PostgreSQL run. Prints each run's table line and verdict.
set -u
cd "$(dirname "$0")/.."
export HS_BIN=$PWD/build/hs HS_TEST_GLOB='soak_*.sh' HS_TEST_SHOW=1
export HS_TEST_TIMEOUT=$(( ${SOAK_SECONDS:-1800} + 1200 ))
rc=0
tests/integration/run.sh soak-sqlite || rc=1
if [ "${SOAK_PG:-1}" != 0 ]; then
	dir=/dev/shm/hs-soak-pg.$$
	[ -d /dev/shm ] || dir=$PWD/build/soak-pg.$$
	if eval "$(HS_PG_OWNER=$$ scripts/pg.sh start "$dir")"; then
		HS_TEST_PG=1 tests/integration/run.sh soak-pg || rc=1
		scripts/pg.sh stop "$dir" >/dev/null 2>&1
	else
		echo "soak-pg: cannot start PostgreSQL (see $dir/log)"; rc=1
	fi
fi
exit $rc
