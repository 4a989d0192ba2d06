#!/bin/sh
# Project lint: banned C functions (curl's list) and generated docs in sync.
set -u
cd "$(dirname "$0")/.."
passed=0; failed=0
bad=$(grep -nE '\b(sprintf|vsprintf|strcpy|strcat|strncat|strtok|atoi|atol|gets)\s*\(' src/*.c src/*.h tools/*.c 2>/dev/null)
if [ -n "$bad" ]; then
	echo "FAIL banned functions:"; echo "$bad"; failed=$((failed + 1))
else
	echo "ok   no banned functions"; passed=$((passed + 1))
fi
if [ -x build/gen_config_doc ] && build/gen_config_doc | cmp -s - docs/config.md; then
	echo "ok   docs/config.md matches the key table"; passed=$((passed + 1))
else
	echo "FAIL docs/config.md is stale: run 'make docs'"; failed=$((failed + 1))
fi
echo "lint: $passed passed, $failed failed"
[ -n "${RESULTS:-}" ] && echo "$passed $failed" > "$RESULTS/lint"
[ "$failed" -eq 0 ]
