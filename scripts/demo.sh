#!/bin/bash
# make demo: a short tour on a throwaway site (build/demo-site), using the
# embedded SQLite default. The queue and hsx arrive in a later release, so
# for now the demo submits tasks and queries and changes them.
set -eu
cd "$(dirname "$0")/.."
HS=$PWD/build/hs
export HYPERSHELL_SITE=$PWD/build/demo-site
rm -rf "$HYPERSHELL_SITE"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step "seq 100000 | hs submit --template 'echo {} | sha256sum' -t demo:1"
time (seq 100000 | "$HS" submit --template 'echo {} | sha256sum' -t demo:1)
step "printf '...' | hs submit   # with #HYPERSHELL directives"
printf 'sleep 1 # HYPERSHELL group:1 kind:slow\nfalse #HYPERSHELL kind:broken\n' | "$HS" submit
step "hs list --count --remaining"
"$HS" list --count --remaining
step "hs list id args tag -t kind --format table"
"$HS" list id args tag -t kind --format table
id=$("$HS" list id -t kind:broken)
step "hs update exit_status=1 $id --no-confirm   # pretend it ran"
"$HS" update "$id" exit_status=1 --no-confirm
step "hs list --failed --json"
"$HS" list id args exit_status --failed --json
step "hs info $id --yaml"
"$HS" info "$id" --yaml
step "hs update --cancel -w 'args ~ ^echo 9' --no-confirm"
"$HS" update --cancel -w 'args ~ ^echo 9' --no-confirm
step "hs list --count --remaining"
"$HS" list --count --remaining
step "hs config which database.provider"
"$HS" config which database.provider
printf '\nDemo site: %s (delete it when done).\n' "$HYPERSHELL_SITE"
