# common.sh: helpers for the benchmark scripts.
set -u
cd "$(dirname "$0")/.."
HS=${HS:-$PWD/build/hs}
BENCH_PKGS="time parallel hyperfine"
for p in $BENCH_PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" && continue
	echo "bench: installing $p"; apt-get install -y -q "$p" >/dev/null 2>&1 ||
		sudo apt-get install -y -q "$p" >/dev/null
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# fresh_site: a throwaway HYPERSHELL_SITE and HOME
fresh_site() {
	BDIR=$(mktemp -d /tmp/hsbench.XXXXXX)
	export HYPERSHELL_SITE=$BDIR/site HOME=$BDIR/home
	mkdir -p "$HOME"
}

# timed CMD...: run, print "wall_seconds max_rss_kib user_s sys_s"
timed() {
	/usr/bin/time -f '%e %M %U %S' -o "$BDIR/time.out" "$@" >/dev/null 2>"$BDIR/cmd.err" ||
		{ cat "$BDIR/cmd.err" >&2; return 1; }
	cat "$BDIR/time.out"
}
