# sshd.sh: a throwaway OpenSSH server on 127.0.0.1 for the integration
# tests (sourced, after lib.sh). Needs Debian's openssh-server and
# openssh-client (scripts/deps.sh installs them).
#
#   sshd_start DIR    make keys and configs in DIR, start /usr/sbin/sshd on
#                     127.0.0.1 and a free port, wait until it accepts
#                     connections. Sets SSHD_DIR, SSHD_PORT, SSHD_PID,
#                     SSH_CONFIG (= DIR/ssh_config) and SSH_ARGS
#                     (= "-F DIR/ssh_config", e.g. for hsx --ssh-args;
#                     unquoted $SSH_ARGS needs a DIR without spaces).
#                     Call it directly, not in $(...) or a pipeline: it sets
#                     variables, and a guard stops the server once the shell
#                     that called it is gone.
#   sshd_stop DIR     stop that server, its connections and the remote
#                     commands still running under them (TERM, then KILL
#                     for the server after 2 s).
#   sshd_ssh HOST CMD...   ssh -F DIR/ssh_config HOST CMD... (last DIR)
#
# Client side: `ssh -F DIR/ssh_config HOST CMD` works without prompts for
# EVERY host name: a catch-all `Host *` maps any name to 127.0.0.1:PORT, so
# nothing can reach another machine. The names in SSHD_HOSTS (default
# node01 .. node08) get their own block that also sends SSH_TEST_HOST=<name>
# to the remote command, so a test can tell which alias ran what. A name
# matching down* goes to a closed port (127.0.0.1:9): a host that is down.
# The host key is pre-trusted (HostKeyAlias hs-test-sshd in DIR/known_hosts,
# StrictHostKeyChecking yes); BatchMode yes; no agent, no ~/.ssh files.
# `ssh -o SetEnv=...` on the command line replaces SSH_TEST_HOST (ssh
# keeps the first SetEnv it reads).
#
# Server side: publickey only, for the current user only (AllowUsers);
# root may log in with a key. The remote command runs under the user's
# login shell, in the user's real home directory (sshd chdirs there), but
# with these variables copied from the caller of sshd_start when set
# (sshd SetEnv): the names in SSHD_PASSENV, default HOME PATH TMP
# HYPERSHELL_SITE NO_COLOR ASAN_OPTIONS UBSAN_OPTIONS. So a remote `hs`
# sees the test's HOME and site, and sanitizer reports land in the test
# directory. AcceptEnv HYPERSHELL_* SSH_TEST_* (client SendEnv/SetEnv).
# sftp is internal-sftp (scp uses it). Log: DIR/sshd.log (LogLevel VERBOSE).
#
# Limits:
# - As root: sshd needs its privilege-separation user `sshd` (made by the
#   package) and /run/sshd (created here when missing). With UsePAM no,
#   sshd refuses an account whose password field starts with "!" (locked),
#   so sshd_start checks /etc/shadow and fails with a clear message.
# - As a normal user: works (no privilege separation chroot, no /run/sshd),
#   but only that same user can log in, and the user needs a real login
#   shell (not nologin).
# - Start-up takes about 0.15 s (key generation included); each ssh call
#   about 0.15 s here (curve25519 key exchange, no rc files).

SSHD_BIN=${SSHD_BIN:-/usr/sbin/sshd}
SSH_BIN=${SSH_BIN:-ssh}
SSHD_HOSTS=${SSHD_HOSTS:-"node01 node02 node03 node04 node05 node06 node07 node08"}
SSHD_PASSENV=${SSHD_PASSENV:-"HOME PATH TMP HYPERSHELL_SITE NO_COLOR ASAN_OPTIONS UBSAN_OPTIONS"}

_sshd_die() {
	if declare -F fail >/dev/null; then fail "sshd: $*"; fi
	echo "sshd: $*" >&2
	return 1
}

_sshd_port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# _sshd_alive PID: running and not a zombie.
_sshd_alive() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

_sshd_config() {  # DIR PORT USER
	local d=$1 port=$2 user=$3 name val
	cat <<EOF
# throwaway sshd for the integration tests (tests/integration/tools/sshd.sh)
ListenAddress 127.0.0.1
Port $port
AddressFamily inet
HostKey $d/host_ed25519_key
PidFile $d/sshd.pid
AuthorizedKeysFile $d/authorized_keys
AllowUsers $user
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
HostbasedAuthentication no
PermitEmptyPasswords no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
UseDNS no
LogLevel VERBOSE
LoginGraceTime 30
MaxAuthTries 3
MaxStartups 64
MaxSessions 64
PermitUserEnvironment no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowAgentForwarding no
AllowTcpForwarding no
PermitTunnel no
AcceptEnv HYPERSHELL_* SSH_TEST_*
Subsystem sftp internal-sftp
EOF
	# one SetEnv line: sshd keeps only the first SetEnv directive.
	# SHLVL=1: bash (Debian builds it with SSH_SOURCE_BASHRC) then skips
	# /etc/bash.bashrc and ~/.bashrc for `bash -c CMD` under sshd, so the
	# machine's rc files neither slow down nor print into remote commands.
	local line=" \"SHLVL=1\""
	for name in $SSHD_PASSENV; do
		[ -n "${!name+x}" ] || continue
		val=${!name}
		case "$val" in *'"'*|*$'\n'*) continue ;; esac
		line="$line \"$name=$val\""
	done
	echo "SetEnv$line"
}

_sshd_client_config() {  # DIR PORT USER
	local d=$1 port=$2 user=$3 h
	echo "# ssh client config for the test sshd: ssh -F $d/ssh_config HOST CMD"
	for h in $SSHD_HOSTS; do
		printf 'Host %s\n    SetEnv SSH_TEST_HOST=%s\n' "$h" "$h"
	done
	# KexAlgorithms: the default sntrup761 exchange costs ~0.2 s of CPU per
	# connection; curve25519 halves the time of an ssh call.
	cat <<EOF
Host down*
    Port 9
    ConnectTimeout 2
Host *
    HostName 127.0.0.1
    Port $port
    User $user
    AddressFamily inet
    IdentityFile $d/id_ed25519
    IdentitiesOnly yes
    IdentityAgent none
    PubkeyAuthentication yes
    PasswordAuthentication no
    KbdInteractiveAuthentication no
    PreferredAuthentications publickey
    HostKeyAlias hs-test-sshd
    UserKnownHostsFile $d/known_hosts
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    CheckHostIP no
    UpdateHostKeys no
    BatchMode yes
    ConnectTimeout 10
    KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org
    ControlMaster no
    ControlPath none
    ForwardAgent no
    ForwardX11 no
    LogLevel ERROR
EOF
}

sshd_start() {
	local d=${1:?usage: sshd_start DIR} user port try pid i mark
	if ! mkdir -p "$d" || ! d=$(cd "$d" && pwd); then _sshd_die "cannot use $1"; return 1; fi
	[ -x "$SSHD_BIN" ] || { _sshd_die "$SSHD_BIN missing (run scripts/deps.sh)"; return 1; }
	command -v "$SSH_BIN" >/dev/null 2>&1 || { _sshd_die "ssh missing (run scripts/deps.sh)"; return 1; }
	user=$(id -un)
	if [ "$(id -u)" -eq 0 ]; then
		if [ ! -d /run/sshd ]; then
			mkdir -p -m 0755 /run/sshd || { _sshd_die "cannot create /run/sshd"; return 1; }
		fi
		case "$(awk -F: -v u="$user" '$1 == u {print $2}' /etc/shadow 2>/dev/null)" in
		'!'*) _sshd_die "account $user is locked in /etc/shadow; sshd (UsePAM no) refuses it: usermod -p '*' $user"; return 1 ;;
		esac
	fi
	chmod 700 "$d"
	rm -f "$d/host_ed25519_key" "$d/host_ed25519_key.pub" "$d/id_ed25519" "$d/id_ed25519.pub"
	( umask 077
	  ssh-keygen -q -t ed25519 -N '' -C hs-test-host -f "$d/host_ed25519_key" &&
	  ssh-keygen -q -t ed25519 -N '' -C hs-test-user -f "$d/id_ed25519" &&
	  cp "$d/id_ed25519.pub" "$d/authorized_keys" &&
	  awk '{print "hs-test-sshd", $1, $2}' "$d/host_ed25519_key.pub" > "$d/known_hosts"
	) || { _sshd_die "ssh-keygen failed"; return 1; }

	for try in 1 2 3 4 5; do
		port=""
		for i in $(seq 50); do
			port=$((40000 + RANDOM % 10000))
			_sshd_port_free "$port" && break
			port=""
		done
		[ -n "$port" ] || { _sshd_die "no free port"; return 1; }
		_sshd_config "$d" "$port" "$user" > "$d/sshd_config"
		rm -f "$d/sshd.pid"
		echo "--- sshd_start port $port" >> "$d/sshd.log"
		mark=$(wc -l < "$d/sshd.log")
		# sshd daemonizes: the server is not our child, so `wait` in a
		# test's cleanup never blocks on it.
		"$SSHD_BIN" -f "$d/sshd_config" -E "$d/sshd.log" </dev/null >>"$d/sshd.out" 2>&1 ||
			{ _sshd_die "sshd refused to start: $(tail -3 "$d/sshd.out" "$d/sshd.log")"; return 1; }
		pid=""
		for i in $(seq 100); do  # up to 5 s
			pid=$(cat "$d/sshd.pid" 2>/dev/null)
			if [ -n "$pid" ] && ! _sshd_port_free "$port"; then
				break
			fi
			if tail -n +$((mark + 1)) "$d/sshd.log" | grep -qiE 'fatal|cannot bind|address already in use'; then
				pid=""
				break
			fi
			pid=""
			sleep 0.05
		done
		if [ -n "$pid" ] && _sshd_alive "$pid"; then
			SSHD_DIR=$d SSHD_PORT=$port SSHD_PID=$pid
			SSH_CONFIG=$d/ssh_config
			SSH_ARGS="-F $d/ssh_config"
			_sshd_client_config "$d" "$port" "$user" > "$d/ssh_config"
			chmod 600 "$d/ssh_config"
			_sshd_guard "$d" "$pid" "$BASHPID"
			return 0
		fi
		[ -n "$(cat "$d/sshd.pid" 2>/dev/null)" ] && kill "$(cat "$d/sshd.pid")" 2>/dev/null
		tail -n +$((mark + 1)) "$d/sshd.log" | grep -qiE 'cannot bind|address already in use' && continue
		_sshd_die "sshd did not start: $(tail -n +$((mark + 1)) "$d/sshd.log" | tail -5)"
		return 1
	done
	_sshd_die "sshd did not start after 5 tries"
	return 1
}

# _sshd_guard DIR SSHD_PID OWNER: a detached watcher (not a child of the
# test shell) that stops the server once OWNER has exited, should a test
# die before its sshd_stop.
_sshd_guard() {
	local d=$1 pid=$2 owner=$3
	( ( exec </dev/null >/dev/null 2>&1
	    local s=""
	    trap 'kill $s 2>/dev/null; exit 0' TERM  # takes its sleep with it
	    echo "$BASHPID" > "$d/guard.pid"
	    while kill -0 "$owner" 2>/dev/null && _sshd_alive "$pid"; do
	      sleep 1 & s=$!; wait $s
	    done
	    _sshd_kill "$pid"
	  ) & )
}

# _sshd_descendants PID: the pids below PID (connections, sessions and the
# remote commands they run), from one pass over /proc.
_sshd_descendants() {
	local f line ppid p
	local -A kids=()
	for f in /proc/[0-9]*/stat; do  # after "(comm) ": state ppid
		read -r line < "$f" 2>/dev/null || continue
		read -r _ ppid _ <<< "${line##*) }"
		f=${f#/proc/}
		kids[$ppid]+=" ${f%/stat}"
	done
	local todo=("$1")
	while [ ${#todo[@]} -gt 0 ]; do
		p=${todo[0]}; todo=("${todo[@]:1}")
		for f in ${kids[$p]:-}; do
			echo "$f"
			todo+=("$f")
		done
	done
}

# _sshd_kill PID: TERM the listener and everything below it, so remote
# commands started over ssh do not outlive the server.
_sshd_kill() {
	local pid=$1 p i
	_sshd_alive "$pid" || return 0
	grep -q sshd "/proc/$pid/comm" 2>/dev/null || return 0
	kill -STOP "$pid" 2>/dev/null  # no new connections while we look
	for p in $(_sshd_descendants "$pid"); do
		kill "$p" 2>/dev/null
	done
	kill "$pid" 2>/dev/null
	kill -CONT "$pid" 2>/dev/null
	for i in $(seq 40); do
		_sshd_alive "$pid" || return 0
		sleep 0.05
	done
	kill -9 "$pid" 2>/dev/null
	return 0
}

sshd_stop() {
	local d=${1:-${SSHD_DIR:-}} pid g
	[ -n "$d" ] || return 0
	g=$(cat "$d/guard.pid" 2>/dev/null)
	[ -n "$g" ] && kill "$g" 2>/dev/null
	rm -f "$d/guard.pid"
	pid=$(cat "$d/sshd.pid" 2>/dev/null)
	[ -n "$pid" ] && _sshd_kill "$pid"
	rm -f "$d/sshd.pid"
	return 0
}

sshd_ssh() {
	local h=$1; shift
	"$SSH_BIN" -F "${SSH_CONFIG:?sshd_start first}" "$h" "$@"
}
