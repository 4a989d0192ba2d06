#!/usr/bin/env python3
"""hsproto.py: a raw client of the hs queue protocol (docs/protocol.md), for tests.

Stdlib only. Subcommands (all print one JSON object on stdout; exit 0 unless
the tool itself failed to do what it was asked):

  handshake HOST PORT KEY [--tls] [--force] [--record FILE]
      HELLO / CHALLENGE (verifying the server's proof) / AUTH; reports the
      server's answer ("welcome", or the ERROR code). --force sends AUTH
      even when the server's proof is wrong (a client with the wrong key
      that does not care). --record keeps the exact HELLO and AUTH frames
      sent, as hex, for `replay`. Over --tls the proofs lack the channel
      binding (Python cannot export keying material), so only failures
      are meaningful there.
  record LISTEN_PORT HOST PORT FILE
      A plain TCP relay for one connection that writes every byte the
      client sent to FILE (hex, one line per chunk); runs until either side
      closes. Use it between `hs client --no-tls` and `hs server --no-tls`.
      Prints `listening PORT` once bound; LISTEN_PORT 0 lets the kernel pick.
  replay HOST PORT FILE
      Send the first two frames (HELLO, AUTH) found in FILE (written by
      `handshake --record` or `record`), waiting for the CHALLENGE in
      between; reports the reply to AUTH and whether the server's nonce
      differs from the recorded one.
  silent HOST PORT N SECONDS
      Open N TCP connections that send nothing; report how many the server
      closed and after how long (max), waiting at most SECONDS.
  halftls HOST PORT N SECONDS
      Like silent, but each connection sends the first half of a real TLS
      ClientHello and then stalls.
  oversize HOST PORT LENGTH [--tls] [--repeat N]
      Send a 4-byte frame length (and one type byte), then nothing; report
      how soon the server closed and what it sent (N times, one line each).
  garbage HOST PORT KBYTES [--tls]
      Stream KBYTES of random bytes (starting with a legal small length
      and an unknown type); report when the server closed.
  flood HOST PORT N SECONDS
      Open N TCP connections at once and hold them; report how many were
      closed by the server within SECONDS (refused) and how many stayed.
  probe HOST PORT KEY CASE
      One malformed pre-authentication exchange (plain TCP); reports the
      ERROR the server answers with. CASE: auth-first (AUTH instead of
      HELLO), short-proof (AUTH with a 16-byte proof), version2 (HELLO of
      protocol 2.0), bad-type (a frame of type 200), hello-twice (a second
      HELLO instead of AUTH), extra-member (HELLO with an unknown member).
  tlsold HOST PORT
      Try a TLS 1.1 (and 1.0) handshake; report whether it succeeded and
      the error.
  after HOST PORT KEY SLOTS TYPE JSON
      Authenticate (plain TCP) with SLOTS (0: a submitter, protocol 1.2),
      then send one frame of TYPE (a number) holding JSON; report the
      server's answer (ACK ids, or the ERROR code and message), skipping
      heartbeats.
"""
import base64
import hashlib
import hmac
import json
import os
import select
import socket
import ssl
import struct
import sys
import time
import uuid
import warnings

TYPES = {1: "HELLO", 2: "CHALLENGE", 3: "AUTH", 4: "WELCOME", 5: "REQUEST", 6: "BUNDLE",
         7: "CONFIRM", 8: "RESULTS", 9: "ACK", 10: "HEARTBEAT", 11: "DRAIN", 12: "BYE",
         13: "ERROR", 14: "STARTED", 15: "SUBMIT"}


def out(**kw):
    print(json.dumps(kw, sort_keys=True))
    sys.stdout.flush()


def frame(typ, obj):
    payload = json.dumps(obj, separators=(",", ":")).encode()
    return struct.pack(">IB", len(payload) + 1, typ) + payload


def recv_exact(sock, n, deadline):
    data = b""
    while len(data) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("timed out")
        sock.settimeout(left)
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("closed by peer")
        data += chunk
    return data


def recv_frame(sock, timeout=5.0):
    deadline = time.monotonic() + timeout
    n, = struct.unpack(">I", recv_exact(sock, 4, deadline))
    if n < 1 or n > 1 << 26:
        raise ValueError("bad length %d" % n)
    body = recv_exact(sock, n, deadline)
    return body[0], json.loads(body[1:].decode())


def split_frames(data):
    frames = []
    while len(data) >= 5:
        n, = struct.unpack(">I", data[:4])
        if len(data) < 4 + n:
            break
        frames.append(data[:4 + n])
        data = data[4 + n:]
    return frames


def proof(key, role, nonce_c, nonce_s, binding):
    msg = b"hypershell-v1 " + role + nonce_c + nonce_s + binding
    return hmac.new(key, msg, hashlib.sha256).digest()


def connect(host, port, use_tls):
    sock = socket.create_connection((host, int(port)), timeout=5)
    binding = b""
    if use_tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        sock = ctx.wrap_socket(sock)
        # Python's ssl module cannot export keying material, so a TLS raw
        # client cannot compute a proof the server accepts; handshake with
        # --tls is only useful to see the server's side of a failure.
    return sock, binding


def b64(b):
    return base64.b64encode(b).decode()


def cmd_handshake(args):
    host, port, key = args[0], args[1], args[2].encode()
    use_tls = "--tls" in args
    record = args[args.index("--record") + 1] if "--record" in args else None
    sock, binding = connect(host, port, use_tls)
    nonce_c = os.urandom(32)
    hello = frame(1, {"version": [1, 0], "nonce": b64(nonce_c)})
    sock.sendall(hello)
    try:
        typ, msg = recv_frame(sock)
    except (EOFError, ConnectionError, ValueError) as e:
        out(result="closed", error=str(e))
        return
    if typ != 2:
        out(result=TYPES.get(typ, typ), message=msg)
        return
    nonce_s = base64.b64decode(msg["nonce"])
    server_ok = hmac.compare_digest(base64.b64decode(msg["proof"]),
                                    proof(key, b"server", nonce_c, nonce_s, binding))
    if not server_ok and "--force" not in args:
        out(result="server-proof-wrong")
        return
    auth = frame(3, {"proof": b64(proof(key, b"client", nonce_c, nonce_s, binding)),
                     "client_id": str(uuid.uuid4()), "host": "raw-client", "slots": 1})
    sock.sendall(auth)
    if record:
        with open(record, "w") as f:
            f.write(hello.hex() + "\n" + auth.hex() + "\n")
    try:
        typ, msg = recv_frame(sock)
    except (EOFError, ConnectionError) as e:
        out(result="closed", error=str(e))
        return
    if typ == 4:
        sock.sendall(frame(12, {}))
        out(result="welcome", server_nonce=b64(nonce_s), server_proof_ok=server_ok)
    elif typ == 13:
        out(result="error", code=msg.get("code"), message=msg.get("message"),
            server_proof_ok=server_ok)
    else:
        out(result=TYPES.get(typ, typ))
    sock.close()


def cmd_record(args):
    lport, host, port, path = int(args[0]), args[1], int(args[2]), args[3]
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", lport))
    ls.listen(1)
    print("listening", ls.getsockname()[1], flush=True)
    c, _ = ls.accept()
    s = socket.create_connection((host, port))
    sent = 0
    with open(path, "w") as f:
        socks = [c, s]
        done = False
        while not done:
            r, _, _ = select.select(socks, [], [], 60)
            if not r:
                break
            for x in r:
                data = x.recv(65536)
                if not data:
                    done = True
                    break
                if x is c:
                    f.write(data.hex() + "\n")
                    f.flush()
                    sent += len(data)
                    s.sendall(data)
                else:
                    c.sendall(data)
    c.close()
    s.close()
    out(result="done", client_bytes=sent)


def cmd_replay(args):
    host, port, path = args[0], args[1], args[2]
    data = bytes.fromhex("".join(line.strip() for line in open(path)))
    frames = split_frames(data)
    if len(frames) < 2 or frames[0][4] != 1 or frames[1][4] != 3:
        out(result="bad-recording", frames=[f[4] for f in frames])
        sys.exit(1)
    rec_nonce_c = json.loads(frames[0][5:])["nonce"]
    sock, _ = connect(host, port, False)
    sock.sendall(frames[0])
    typ, msg = recv_frame(sock)
    if typ != 2:
        out(result=TYPES.get(typ, typ), message=msg)
        return
    challenge_nonce = msg["nonce"]
    sock.sendall(frames[1])
    try:
        typ, msg = recv_frame(sock)
    except (EOFError, ConnectionError) as e:
        out(result="closed", error=str(e), client_nonce=rec_nonce_c,
            server_nonce=challenge_nonce)
        return
    if typ == 13:
        out(result="error", code=msg.get("code"), message=msg.get("message"),
            client_nonce=rec_nonce_c, server_nonce=challenge_nonce)
    else:
        out(result=TYPES.get(typ, typ), client_nonce=rec_nonce_c, server_nonce=challenge_nonce)


def watch_closed(socks, seconds, t0):
    """Wait until each socket is closed by the peer; return close times."""
    closed = {}
    deadline = t0 + seconds
    while len(closed) < len(socks) and time.monotonic() < deadline:
        live = [s for s in socks if s not in closed]
        r, _, _ = select.select(live, [], [], max(0.0, min(0.2, deadline - time.monotonic())))
        for s in r:
            try:
                data = s.recv(65536)
            except (ConnectionError, OSError):
                data = b""
            if not data:
                closed[s] = time.monotonic() - t0
    return closed


def cmd_silent(args, half_tls=False):
    host, port, n, seconds = args[0], int(args[1]), int(args[2]), float(args[3])
    hello = b""
    if half_tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        inc, outg = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = ctx.wrap_bio(inc, outg)
        try:
            obj.do_handshake()
        except ssl.SSLWantReadError:
            pass
        ch = outg.read()
        hello = ch[:len(ch) // 2]
    t0 = time.monotonic()
    socks = []
    for _ in range(n):
        s = socket.create_connection((host, port), timeout=5)
        if hello:
            s.sendall(hello)
        socks.append(s)
    closed = watch_closed(socks, seconds, t0)
    out(opened=n, closed=len(closed), max_seconds=round(max(closed.values(), default=0), 2),
        min_seconds=round(min(closed.values(), default=0), 2))
    for s in socks:
        s.close()


def cmd_oversize(args):
    repeat = int(args[args.index("--repeat") + 1]) if "--repeat" in args else 1
    for _ in range(repeat - 1):
        oversize_once(args)
    oversize_once(args)


def oversize_once(args):
    host, port, length = args[0], int(args[1]), int(args[2])
    use_tls = "--tls" in args
    sock, _ = connect(host, port, use_tls)
    t0 = time.monotonic()
    sock.sendall(struct.pack(">IB", length, 1))
    got = b""
    sock.settimeout(10)
    try:
        while True:
            d = sock.recv(65536)
            if not d:
                break
            got += d
    except socket.timeout:
        out(result="open", seconds=round(time.monotonic() - t0, 2))
        return
    except (ConnectionError, OSError, ssl.SSLError):
        pass
    reply = None
    for f in split_frames(got):
        if f[4] == 13:
            reply = json.loads(f[5:])
    out(result="closed", seconds=round(time.monotonic() - t0, 2), error=reply)


def cmd_authoversize(args):
    """authoversize HOST PORT KEY LENGTH: authenticate (plain TCP), then
    send a frame header announcing LENGTH bytes; report how it ends."""
    host, port, key, length = args[0], args[1], args[2].encode(), int(args[3])
    sock, binding = connect(host, port, False)
    nonce_c = os.urandom(32)
    sock.sendall(frame(1, {"version": [1, 0], "nonce": b64(nonce_c)}))
    typ, msg = recv_frame(sock)
    nonce_s = base64.b64decode(msg["nonce"])
    sock.sendall(frame(3, {"proof": b64(proof(key, b"client", nonce_c, nonce_s, binding)),
                           "client_id": str(uuid.uuid4()), "host": "raw-client", "slots": 1}))
    typ, msg = recv_frame(sock)
    if typ != 4:
        out(result="not-welcomed", type=TYPES.get(typ, typ))
        return
    t0 = time.monotonic()
    sock.sendall(struct.pack(">IB", length, 12))
    got = b""
    sock.settimeout(10)
    try:
        while True:
            d = sock.recv(65536)
            if not d:
                break
            got += d
    except socket.timeout:
        out(result="open", seconds=round(time.monotonic() - t0, 2))
        return
    except (ConnectionError, OSError):
        pass
    reply = None
    for f in split_frames(got):
        if f[4] == 13:
            reply = json.loads(f[5:])
    out(result="closed", seconds=round(time.monotonic() - t0, 2), error=reply)


def cmd_garbage(args):
    host, port, kbytes = args[0], int(args[1]), int(args[2])
    use_tls = "--tls" in args
    sock, _ = connect(host, port, use_tls)
    t0 = time.monotonic()
    sent = 0
    closed = False
    sock.settimeout(5)
    try:
        sock.sendall(struct.pack(">IB", 100, 200) + os.urandom(99))
        sent += 104
        while sent < kbytes * 1024:
            sock.sendall(os.urandom(4096))
            sent += 4096
        d = sock.recv(65536)
        while d:
            d = sock.recv(65536)
        closed = True
    except socket.timeout:
        pass
    except (ConnectionError, OSError, ssl.SSLError):
        closed = True
    out(result="closed" if closed else "open", sent=sent,
        seconds=round(time.monotonic() - t0, 2))


def cmd_flood(args):
    host, port, n, seconds = args[0], int(args[1]), int(args[2]), float(args[3])
    socks = []
    errors = 0
    t0 = time.monotonic()
    for _ in range(n):
        try:
            socks.append(socket.create_connection((host, port), timeout=5))
        except OSError:
            errors += 1
    # the watch starts once every connection is open (a burst can take a
    # while when the listen backlog overflows); closes before that count
    t1 = time.monotonic()
    closed = watch_closed(socks, seconds, t1)
    out(opened=len(socks), connect_errors=errors, closed=len(closed),
        connect_seconds=round(t1 - t0, 2),
        held=len(socks) - len(closed),
        min_seconds=round(t1 - t0 + min(closed.values(), default=0), 2),
        max_seconds=round(t1 - t0 + max(closed.values(), default=0), 2))
    # keep holding until told to stop (stdin closed or SIGTERM)
    if "--hold" in args:
        sys.stdin.read()
    for s in socks:
        s.close()


def cmd_probe(args):
    host, port, key, case = args[0], args[1], args[2].encode(), args[3]
    sock, _ = connect(host, port, False)
    nonce_c = os.urandom(32)
    hello = frame(1, {"version": [1, 0], "nonce": b64(nonce_c)})
    auth = {"proof": b64(os.urandom(32)), "client_id": str(uuid.uuid4()),
            "host": "probe", "slots": 1}
    t0 = time.monotonic()
    if case == "auth-first":
        sock.sendall(frame(3, auth))
    elif case == "version2":
        sock.sendall(frame(1, {"version": [2, 0], "nonce": b64(nonce_c)}))
    elif case == "bad-type":
        sock.sendall(struct.pack(">IB", 3, 200) + b"{}")
    elif case == "extra-member":
        sock.sendall(frame(1, {"version": [1, 0], "nonce": b64(nonce_c), "x": 1}))
    else:
        sock.sendall(hello)
        typ, msg = recv_frame(sock)
        if typ != 2:
            out(result=TYPES.get(typ, typ), message=msg)
            return
        nonce_s = base64.b64decode(msg["nonce"])
        if case == "short-proof":
            auth["proof"] = b64(proof(key, b"client", nonce_c, nonce_s, b"")[:16])
            sock.sendall(frame(3, auth))
        elif case == "hello-twice":
            sock.sendall(hello)
        else:
            out(result="unknown-case")
            sys.exit(2)
    try:
        typ, msg = recv_frame(sock)
    except (EOFError, ConnectionError, TimeoutError) as e:
        out(result="closed", error=str(e), seconds=round(time.monotonic() - t0, 2))
        return
    closed = False
    try:
        sock.settimeout(3)
        closed = sock.recv(1) == b""
    except (ConnectionError, OSError):
        closed = True
    out(result=TYPES.get(typ, typ), code=msg.get("code"), message=msg.get("message"),
        closed=closed, seconds=round(time.monotonic() - t0, 2))


def cmd_tlsold(args):
    host, port = args[0], int(args[1])
    res = {}
    for name, ver in (("TLSv1.1", ssl.TLSVersion.TLSv1_1), ("TLSv1", ssl.TLSVersion.TLSv1)):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        try:
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
            ctx.minimum_version = ssl.TLSVersion.TLSv1
            ctx.maximum_version = ver
        except (ValueError, ssl.SSLError) as e:
            res[name] = "setup: %s" % e
            continue
        try:
            with socket.create_connection((host, port), timeout=5) as s:
                with ctx.wrap_socket(s) as t:
                    res[name] = "connected " + t.version()
        except ssl.SSLError as e:
            res[name] = "refused: %s" % (e.reason or e)
        except OSError as e:
            res[name] = "error: %s" % e
    out(**res)


def cmd_after(args):
    host, port, key, slots = args[0], args[1], args[2].encode(), int(args[3])
    typ, payload = int(args[4]), json.loads(args[5])
    sock, binding = connect(host, port, False)
    nonce_c = os.urandom(32)
    sock.sendall(frame(1, {"version": [1, 2], "nonce": b64(nonce_c)}))
    t, msg = recv_frame(sock)
    if t != 2:
        out(result=TYPES.get(t, t), message=msg)
        return
    nonce_s = base64.b64decode(msg["nonce"])
    sock.sendall(frame(3, {"proof": b64(proof(key, b"client", nonce_c, nonce_s, binding)),
                           "client_id": str(uuid.uuid4()), "host": "raw-client",
                           "slots": slots}))
    t, msg = recv_frame(sock)
    if t != 4:
        out(result=TYPES.get(t, t), message=msg)
        return
    sock.sendall(frame(typ, payload))
    try:
        while True:
            t, msg = recv_frame(sock)
            if t != 10:
                break
    except (EOFError, ConnectionError) as e:
        out(result="closed", error=str(e))
        return
    if t == 13:
        out(result="error", code=msg.get("code"), message=msg.get("message"))
    else:
        out(result=TYPES.get(t, t), message=msg)
    sock.close()


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "handshake":
        cmd_handshake(args)
    elif cmd == "record":
        cmd_record(args)
    elif cmd == "replay":
        cmd_replay(args)
    elif cmd == "silent":
        cmd_silent(args)
    elif cmd == "halftls":
        cmd_silent(args, half_tls=True)
    elif cmd == "oversize":
        cmd_oversize(args)
    elif cmd == "garbage":
        cmd_garbage(args)
    elif cmd == "authoversize":
        cmd_authoversize(args)
    elif cmd == "flood":
        cmd_flood(args)
    elif cmd == "probe":
        cmd_probe(args)
    elif cmd == "tlsold":
        cmd_tlsold(args)
    elif cmd == "after":
        cmd_after(args)
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
