#!/bin/bash
# make demo: a short tour on a throwaway site (build/demo-site), on the
# embedded SQLite default: a real local cluster (hsx: server, TLS, a fresh
# key, one client with 4 slots), then the task commands on what it ran.
set -eu
cd "$(dirname "$0")/.."
HS=$PWD/build/hs
HSX=$PWD/build/hsx
export HYPERSHELL_SITE=$PWD/build/demo-site
rm -rf "$HYPERSHELL_SITE"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step "seq 200 | hsx -t 'echo {} | sha256sum | cut -c1-16' -N4 --capture"
time (seq 200 | "$HSX" -t 'echo {} | sha256sum | cut -c1-16' -N4 --capture \
	2> >(grep -v 'Running task' >&2))
step "hs list --count --completed"
"$HS" list --count --completed
step "printf '...' | hsx -N2 -r 1   # a failure, retried once"
printf 'echo ok\nexit 3 # HYPERSHELL kind:broken\n' | "$HSX" -N2 -r 1 2>&1 | grep -v 'Running task'
step "hs list id args attempt exit_status --failed --format table"
"$HS" list id args attempt exit_status --failed --format table
id=$("$HS" list id -w 'args = 7' | head -1)
step "hs info $id --stdout   # the captured output of task 7"
"$HS" info "$id" --stdout
step "seq 100000 | hs submit -t demo:1; hs list --count --remaining"
time (seq 100000 | "$HS" submit -t demo:1)
"$HS" list --count --remaining
step "hs update --cancel -t demo:1 --no-confirm"
"$HS" update --cancel -t demo:1 --no-confirm
step "hs config which database.provider"
"$HS" config which database.provider
printf '\nDemo site: %s (delete it when done).\n' "$HYPERSHELL_SITE"
