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

# free_port: a port nothing listens on, below the kernel's ephemeral range
# (32768-60999), where an outgoing connection could hold it unseen.
free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 12000))
		! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && { echo "$p"; return 0; }
	done
	echo "bench: no free port" >&2; exit 1
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# site_tls: the site certificate every fresh site starts with. A real site
# makes it once, at its first server start; RSA-3072 key generation costs
# 0.2-1.5 s of CPU, which would otherwise land on the per-task figures.
TLS_CACHE=/tmp/hsbench-tls.$(id -u)
site_tls() {
	[ -s "$TLS_CACHE/server.crt" ] && return 0
	local d; d=$(mktemp -d /tmp/hsbench-tlsgen.XXXXXX)
	HYPERSHELL_SITE=$d timeout 20 "$HS" server -k 0123456789abcdef0123 -p "$(free_port)" --forever \
		2> "$d/log" & local pid=$!
	local i; for i in $(seq 200); do grep -q Listening "$d/log" && break; sleep 0.1; done
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	mkdir -p "$TLS_CACHE" && cp -p "$d"/lib/tls/server.* "$TLS_CACHE"/ ||
		{ echo "bench: could not make the site certificate" >&2; cat "$d/log" >&2; exit 1; }
	rm -rf "$d"
}

# fresh_site: a throwaway HYPERSHELL_SITE and HOME, with the site certificate
fresh_site() {
	site_tls
	BDIR=$(mktemp -d /tmp/hsbench.XXXXXX)
	export HYPERSHELL_SITE=$BDIR/site HOME=$BDIR/home
	mkdir -p "$HOME" "$HYPERSHELL_SITE/lib/tls"
	cp -p "$TLS_CACHE"/server.* "$HYPERSHELL_SITE/lib/tls/"
}

# timed CMD...: run, print "wall_seconds max_rss_kib user_s sys_s"
timed() {
	/usr/bin/time -f '%e %M %U %S' -o "$BDIR/time.out" "$@" >/dev/null 2>"$BDIR/cmd.err" ||
		{ cat "$BDIR/cmd.err" >&2; return 1; }
	cat "$BDIR/time.out"
}
