#!/usr/bin/env python3
"""invariants.py: check a fault run of the queue against its promises.

Semantics are at-least-once: a task may run twice after a fault, but an
acknowledged task is never lost, never runs after it was cancelled or
finished, never has two accepted final results, and a result from an
expired lease is never accepted over the re-run's.

Inputs (all plain text, one item a line):

  --records FILE   one line per execution, appended by the task itself
                   (O_APPEND, one write):   ID ATTEMPT PID [PPID [START_NS]]
                   PPID is the task's parent (the client: tasks run as
                   `exec ...` so PID is the client's direct child), START_NS
                   the wall clock at start (`date +%s%N`). Both optional:
                   without them the checks that need them are skipped.
  --submits FILE   one line per submitted task:  STATUS ARGS
                   STATUS is acknowledged (the submitter reported it
                   stored), failed (reported not stored) or unknown.
  --faults FILE    optional, one line per fault:  NS ACTION ROLE PID
                   ACTION kill (SIGKILL), stop (SIGSTOP), cont (SIGCONT) or
                   start (a process (re)started); ROLE client or server.
                   Lines "NS begin - -" and "NS end - -" mark the run.
  the database     SQLite (--db PATH, default $HYPERSHELL_SITE/lib/main.db)
                   or, with HYPERSHELL_DATABASE_PROVIDER=postgres, psql on
                   $HS_PG_URL (or $HYPERSHELL_DATABASE_URL) in the schema
                   $HYPERSHELL_DATABASE_SCHEMA.

Which executions a fault "hits" (may make run again): those that were
running when it struck, or started within --grace of it (the time a
process needs to notice; default 0.25 s):
  - a client SIGKILLed at T: its executions started before T;
  - a client SIGSTOPped at T1 and resumed at T2 (or never) with
    T2 - T1 >= evict - 1 s (it was evicted): its executions started before
    T1. A shorter stop hits nothing: no eviction, no re-run.
  - the server SIGKILLed at T: every execution started before T.
Every execution of a task beyond the one that produced the accepted result
must be one a fault hit, so duplicates never exceed the hits. Tasks a
client held but had not started are not hit: running them after the
fault (a lease lost meanwhile) is a violation, and so is any start after
the task's row was finished or cancelled.
A line "NS end - -" in the fault log marks the end of the run (for the
time column).

Exit status 0 when every invariant holds, 1 with a list of violations,
2 on a usage or input error. Prints one table line (markdown):
  | label | faults | tasks | executions | duplicates | lost | time |
--summary FILE writes the numbers as KEY=VALUE lines for the test.
"""

import argparse
import datetime
import os
import sqlite3
import subprocess
import sys
import time

NULL = "\x01NULL\x01"
CANCELLED = -1000


def die(msg):
    print(f"invariants: {msg}", file=sys.stderr)
    sys.exit(2)


def ts_us(v):
    """A database time (text or epoch microseconds) as integer microseconds."""
    if v is None:
        return None
    if isinstance(v, int):
        return v
    s = str(v).strip()
    if s == "" or s == NULL:
        return None
    if s.lstrip("-").isdigit():
        return int(s)
    s = s.replace("T", " ")
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    d = datetime.datetime.fromisoformat(s)
    if d.tzinfo is None:
        d = d.replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp()) * 1000000 + d.microsecond


def fmt_us(us):
    if us is None:
        return "null"
    d = datetime.datetime.fromtimestamp(us / 1e6, datetime.timezone.utc)
    return d.strftime("%H:%M:%S.%f")


def fmt_ns(ns):
    return fmt_us(ns // 1000) if ns is not None else "null"


COLUMNS = ["id", "args", "attempt", "schedule_time", "start_time", "completion_time",
           "exit_status", "client_id", "retried", "previous_id", "next_id"]


def read_sqlite(path):
    if not os.path.exists(path):
        die(f"no database at {path}")
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        cur = con.execute("SELECT " + ", ".join(f'"{c}"' for c in COLUMNS) + " FROM task")
        rows = []
        for r in cur:
            d = dict(zip(COLUMNS, r))
            for c in ("schedule_time", "start_time", "completion_time"):
                d[c] = ts_us(d[c])
            d["retried"] = int(d["retried"] or 0)
            rows.append(d)
        return rows
    finally:
        con.close()


def read_pg():
    url = os.environ.get("HS_PG_URL") or os.environ.get("HYPERSHELL_DATABASE_URL")
    schema = os.environ.get("HYPERSHELL_DATABASE_SCHEMA")
    if not url or not schema:
        die("PostgreSQL needs HS_PG_URL (or HYPERSHELL_DATABASE_URL) and HYPERSHELL_DATABASE_SCHEMA")
    def us(c):
        return f"(extract(epoch from {c}) * 1000000)::bigint"
    sel = ("SELECT id::text, args, attempt, " + us("schedule_time") + ", " + us("start_time") +
           ", " + us("completion_time") + ", exit_status, client_id::text, retried::int, "
           "previous_id::text, next_id::text FROM task")
    cmd = ["psql", url, "-X", "-q", "-A", "-t", "-F", "\x1f", "-R", "\x1e",
           "-P", "null=" + NULL, "-v", "ON_ERROR_STOP=1",
           "-c", f'SET search_path TO "{schema}"', "-c", sel]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        die(f"psql failed ({p.returncode}): {p.stderr.strip()}")
    rows = []
    for rec in p.stdout.split("\x1e"):
        rec = rec.strip("\n")
        if rec == "":
            continue
        f = rec.split("\x1f")
        if len(f) != len(COLUMNS):
            die(f"unexpected psql row: {rec[:200]!r}")
        f = [None if x == NULL else x for x in f]
        d = dict(zip(COLUMNS, f))
        d["attempt"] = int(d["attempt"])
        d["exit_status"] = None if d["exit_status"] is None else int(d["exit_status"])
        d["retried"] = int(d["retried"] or 0)
        for c in ("schedule_time", "start_time", "completion_time"):
            d[c] = ts_us(d[c])
        rows.append(d)
    return rows


class Exec:
    __slots__ = ("id", "attempt", "pid", "ppid", "start_ns", "line")

    def __init__(self, tid, attempt, pid, ppid, start_ns, line):
        self.id, self.attempt, self.pid, self.ppid = tid, attempt, pid, ppid
        self.start_ns, self.line = start_ns, line


def read_records(path, problems):
    out = []
    try:
        f = open(path, encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return out
    with f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.strip() == "":
                continue
            p = line.split()
            try:
                if len(p) < 3 or len(p) > 5:
                    raise ValueError
                e = Exec(p[0], int(p[1]), int(p[2]), int(p[3]) if len(p) > 3 else None,
                         int(p[4]) if len(p) > 4 else None, n)
            except ValueError:
                problems.append(f"malformed execution record (torn write?) at {path}:{n}: {line[:120]!r}")
                continue
            out.append(e)
    return out


def read_submits(paths):
    subs = {}
    counts = {"acknowledged": 0, "failed": 0, "unknown": 0}
    for path in paths:
        read_submit_file(path, subs, counts)
    return subs, counts


def read_submit_file(path, subs, counts):
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.strip() == "":
                continue
            status, _, args = line.partition(" ")
            if status not in counts:
                die(f"{path}:{n}: status must be acknowledged, failed or unknown: {line[:120]!r}")
            if args in subs:
                die(f"{path}:{n}: the same args submitted twice (the checker matches rows by "
                    f"args; make them unique): {args[:120]!r}")
            subs[args] = status
            counts[status] += 1


def read_faults(path):
    faults = []
    if not path:
        return faults, None, None
    try:
        f = open(path, encoding="utf-8")
    except FileNotFoundError:
        return faults, None, None
    begin = end = None
    with f:
        for n, line in enumerate(f, 1):
            p = line.split()
            if not p:
                continue
            if len(p) < 2:
                die(f"{path}:{n}: malformed fault line: {line.strip()!r}")
            ns, action = int(p[0]), p[1]
            if action == "begin":
                begin = ns if begin is None else min(begin, ns)
                continue
            if action == "end":
                end = ns if end is None else max(end, ns)
                continue
            if len(p) < 4 or action not in ("kill", "stop", "cont", "start") or \
                    p[2] not in ("client", "server"):
                die(f"{path}:{n}: want NS kill|stop|cont|start client|server PID: {line.strip()!r}")
            faults.append((ns, action, p[2], int(p[3])))
    faults.sort()
    return faults, begin, end


CATEGORIES = (   # (name, what a violation's text contains), first match wins
    ("lost", "lost: "),
    ("ran_after_final", "after it was"),
    ("unexpected", "unexpected: "),
    ("running", "still marked running"),
    ("duplicates", "more than the faults explain"),
    ("survivors", "outlived its client"),
    ("survivors", "still running after the run"),
    ("fence", "lease"),
    ("final_results", "accepted final results"),
    ("submit", "submit reported failed"),
)


def category(msg):
    for name, needle in CATEGORIES:
        if needle in msg:
            return name
    return "structure"


def alive_as_task(pid, tid):
    """Is pid a live (not zombie) process that is still task tid?"""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode("ascii", "replace")
        state = stat[stat.rindex(")") + 2:].split()[0]
        if state in ("Z", "X"):
            return False
        with open(f"/proc/{pid}/environ", "rb") as f:
            env = f.read().split(b"\0")
    except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
        return False
    except PermissionError:
        return True   # alive, someone else's: cannot tell; report it
    return ("TASK_ID=" + tid).encode() in env


def main():
    ap = argparse.ArgumentParser(description="Check a fault run's invariants.")
    ap.add_argument("--records", required=True)
    ap.add_argument("--submits", required=True, action="append",
                    help="submit log (may be given more than once)")
    ap.add_argument("--faults")
    ap.add_argument("--db", help="SQLite database (default $HYPERSHELL_SITE/lib/main.db)")
    ap.add_argument("--evict", type=float,
                    default=float(os.environ.get("HYPERSHELL_SERVER_EVICT", "10") or 10),
                    help="server eviction time in seconds (default $HYPERSHELL_SERVER_EVICT or 10)")
    ap.add_argument("--grace", type=float, default=0.25,
                    help="seconds after a fault in which a client may still start a task "
                         "before it notices (default 0.25)")
    ap.add_argument("--label", default="run")
    ap.add_argument("--summary", help="write KEY=VALUE lines here")
    ap.add_argument("--header", action="store_true", help="print the table header too")
    ap.add_argument("--allow", default="",
                    help="comma-separated violation categories to report without failing "
                         "(triage of known bugs only; see CATEGORIES)")
    a = ap.parse_args()

    violations = []
    now_ns = time.time_ns()

    if os.environ.get("HYPERSHELL_DATABASE_PROVIDER", "sqlite") == "postgres":
        rows = read_pg()
    else:
        site = os.environ.get("HYPERSHELL_SITE")
        path = a.db or (os.path.join(site, "lib", "main.db") if site else None)
        if not path:
            die("no database: give --db or set HYPERSHELL_SITE")
        rows = read_sqlite(path)
    execs = read_records(a.records, violations)
    subs, subcounts = read_submits(a.submits)
    faults, begin_ns, end_ns = read_faults(a.faults)

    byid = {r["id"]: r for r in rows}
    byargs = {}
    for r in rows:
        byargs.setdefault(r["args"], []).append(r)
    runs = {}
    for e in execs:
        runs.setdefault(e.id, []).append(e)

    # --- faults: which executions each can make run again ---------------------
    # A fault hits the executions that were running when it struck (plus
    # those started within --grace, the time a process needs to notice);
    # only those may run again.
    grace = int(a.grace * 1e9)
    slack = 1.0
    windows = []          # (kind, client pid or None for all clients, until_ns)
    killed_clients = {}   # pid -> kill time
    resumed_long = {}     # pid -> (stop_ns, cont_ns): evicted, then resumed
    stops = {}
    nfaults = 0
    for ns, act, role, pid in faults:
        if act in ("kill", "stop"):
            nfaults += 1
        if role == "client" and act == "kill":
            killed_clients[pid] = ns
            if pid in stops:   # killed while stopped: the stop was the fault
                t1 = stops.pop(pid)
                windows.append(("client SIGSTOP+SIGKILL", pid, t1 + grace))
            else:
                windows.append(("client SIGKILL", pid, ns + grace))
        elif role == "client" and act == "stop":
            stops[pid] = ns
        elif role == "client" and act == "cont" and pid in stops:
            t1 = stops.pop(pid)
            if (ns - t1) / 1e9 >= a.evict - slack:   # evicted: its tasks run again
                windows.append(("client SIGSTOP", pid, t1 + grace))
                resumed_long[pid] = (t1, ns)
        elif role == "server" and act == "kill":
            windows.append(("server SIGKILL", None, ns + grace))
    for pid, t1 in stops.items():   # still stopped at the end
        if (now_ns - t1) / 1e9 >= a.evict - slack:
            windows.append(("client SIGSTOP", pid, t1 + grace))

    windows.sort(key=lambda w: w[2])

    def explain(task_execs, superseded):
        """How many of superseded (executions of one task) faults explain:
        each needs a fault of its own that struck its client (or the server)
        after it started (within grace) and before the task's next
        execution started (the re-run follows the fault)."""
        order = sorted(task_execs, key=lambda e: (e.start_ns is None, e.start_ns or 0))
        nxt = {}
        for i, e in enumerate(order):
            nxt[id(e)] = order[i + 1].start_ns if i + 1 < len(order) else None
        used = set()
        n = 0
        for e in sorted(superseded, key=lambda e: (e.start_ns is None, e.start_ns or 0)):
            for k, (kind, pid, until) in enumerate(windows):
                if k in used or not (pid is None or e.ppid is None or e.ppid == pid):
                    continue
                if e.start_ns is not None and e.start_ns > until:
                    continue
                hi = nxt[id(e)]
                if hi is not None and until - grace > hi:
                    continue
                used.add(k)
                n += 1
                break
        return n

    # --- what was submitted, and what the database holds ----------------------
    for args, rs in byargs.items():
        st = subs.get(args)
        if st is None:
            ids = ", ".join(r["id"] for r in rs)
            violations.append(f"unexpected: a task that was never submitted is in the database "
                              f"({ids}): {args[:100]!r}")
        elif st == "failed":
            violations.append(f"a submit reported failed but the task is stored "
                              f"({rs[0]['id']}): {args[:100]!r}")

    lost = []
    final_rows = 0
    for args, st in subs.items():
        rs = byargs.get(args, [])
        if st == "failed":
            continue
        if not rs:
            if st == "acknowledged":
                lost.append(f"lost: acknowledged but not in the database: {args[:100]!r}")
            continue
        # one lineage chain per submission: previous_id/next_id, attempts 1..n
        heads = [r for r in rs if r["previous_id"] is None]
        if len(heads) != 1:
            violations.append(f"{len(heads)} separate rows (not one retry chain) for one "
                              f"submission: {', '.join(r['id'] for r in heads)}: {args[:80]!r}")
        chain = []
        seen = set()
        cur = heads[0] if heads else None
        while cur is not None and cur["id"] not in seen:
            seen.add(cur["id"])
            chain.append(cur)
            nxt = cur["next_id"]
            if nxt is None:
                break
            cur = byid.get(nxt)
            if cur is None:
                violations.append(f"retry chain of {chain[-1]['id']} points to a missing row {nxt}")
            elif cur["previous_id"] != chain[-1]["id"]:
                violations.append(f"retry chain broken: {chain[-1]['id']}.next_id = {nxt} but "
                                  f"its previous_id = {cur['previous_id']}")
        stray = [r["id"] for r in rs if r["id"] not in seen]
        if heads and stray:
            violations.append(f"rows outside the retry chain of {heads[0]['id']}: "
                              f"{', '.join(stray)}")
        for k, r in enumerate(chain):
            if r["attempt"] != k + 1:
                violations.append(f"task {r['id']}: attempt {r['attempt']}, expected {k + 1} "
                                  f"in its retry chain")
            if r is not chain[-1]:   # superseded by a retry: a failed, finished attempt
                if not r["retried"] or r["completion_time"] is None or r["exit_status"] in (0, None):
                    violations.append(f"task {r['id']} has a retry ({r['next_id']}) but is not a "
                                      f"finished failure (retried={r['retried']}, "
                                      f"exit_status={r['exit_status']}, completion_time="
                                      f"{fmt_us(r['completion_time'])})")
        finals = [r for r in rs if r["completion_time"] is not None and not r["retried"]]
        if len(finals) > 1:
            violations.append(f"{len(finals)} accepted final results for one task: "
                              f"{', '.join(r['id'] for r in finals)}: {args[:80]!r}")
        last = chain[-1] if chain else None
        if last is None:
            continue
        if last["completion_time"] is None:
            if last["schedule_time"] is not None:
                what = "still marked running (scheduled, never completed)"
            else:
                what = "never scheduled"
            lost.append(f"lost: task {last['id']} {what}: {args[:80]!r}")
            continue
        final_rows += 1
        for r in chain:
            cancelled = r["exit_status"] == CANCELLED
            if r["completion_time"] is not None and not cancelled and not runs.get(r["id"]):
                lost.append(f"lost: task {r['id']} is finished (exit_status {r['exit_status']}, "
                            f"started {fmt_us(r['start_time'])}, finished "
                            f"{fmt_us(r['completion_time'])}) but no execution of it was "
                            f"recorded: it never got to run: {args[:80]!r}")

    for r in rows:
        if r["schedule_time"] is not None and r["completion_time"] is None:
            violations.append(f"task {r['id']} still marked running at the end (scheduled "
                              f"{fmt_us(r['schedule_time'])}, client {r['client_id']})")

    # --- executions ------------------------------------------------------------
    duplicates = 0
    unexplained = 0
    late_expected = 0
    for tid, es in runs.items():
        r = byid.get(tid)
        if r is None:
            violations.append(f"unexpected: ran a task that is not in the database: {tid} "
                              f"(records line {es[0].line})")
            continue
        if subs.get(r["args"]) is None:
            violations.append(f"unexpected: ran task {tid} that was never submitted")
        for e in es:
            if e.attempt != r["attempt"]:
                violations.append(f"task {tid} ran with TASK_ATTEMPT={e.attempt} but its row "
                                  f"says attempt {r['attempt']}")
        ct = r["completion_time"]
        for e in es:
            if ct is not None and e.start_ns is not None and e.start_ns // 1000 > ct:
                what = "cancelled" if r["exit_status"] == CANCELLED else "finished"
                violations.append(f"unexpected: task {tid} started at {fmt_ns(e.start_ns)} (pid "
                                  f"{e.pid}, client pid {e.ppid}), after it was {what} at "
                                  f"{fmt_us(ct)}")
        # the accepted result must come from the final lease: schedule_time <=
        # start of an execution <= completion_time, and the reported start
        # no earlier than the lease
        accepted = None
        if ct is not None and r["exit_status"] != CANCELLED and r["schedule_time"] is not None:
            st, s0 = r["schedule_time"], r["start_time"]
            if s0 is not None and s0 < st:
                violations.append(f"task {tid}: accepted result started at {fmt_us(s0)}, before "
                                  f"its lease (schedule_time {fmt_us(st)}): a late result won "
                                  f"over the re-run")
            timed = [e for e in es if e.start_ns is not None]
            if timed:
                inside = [e for e in timed if st <= e.start_ns // 1000 <= ct]
                if not inside:
                    violations.append(f"task {tid}: no execution started within its final lease "
                                      f"[{fmt_us(st)}, {fmt_us(ct)}] (executions at "
                                      f"{', '.join(fmt_ns(e.start_ns) for e in timed)}): the "
                                      f"accepted result is not the re-run's")
                else:   # the one whose start is nearest the reported start_time
                    ref = s0 if s0 is not None else st
                    accepted = min(inside, key=lambda e: abs(e.start_ns // 1000 - ref))
        extra = len(es) - 1
        if extra <= 0:
            continue
        duplicates += extra
        others = [e for e in es if e is not accepted] if accepted else list(es)
        nexp = min(extra, explain(es, others))
        if nexp < extra:
            unexplained += extra - nexp
            desc = "; ".join(f"pid {e.pid} client {e.ppid} at {fmt_ns(e.start_ns)}"
                             for e in es)
            violations.append(f"task {tid} ran {len(es)} times, {extra - nexp} more than the "
                              f"faults explain: {desc}")
        for e in others:
            if e.ppid in resumed_long and e.start_ns is not None and \
                    e.start_ns <= resumed_long[e.ppid][0] and \
                    not (e.ppid in killed_clients and killed_clients[e.ppid] >= resumed_long[e.ppid][1]):
                late_expected += 1

    # --- processes of killed clients ---------------------------------------------
    survivors = 0
    for e in execs:
        if alive_as_task(e.pid, e.id):
            survivors += 1
            if e.ppid in killed_clients:
                violations.append(f"task {e.id} (pid {e.pid}) outlived its client (pid {e.ppid}), "
                                  f"SIGKILLed at {fmt_ns(killed_clients[e.ppid])}")
            else:
                violations.append(f"task {e.id} (pid {e.pid}, client pid {e.ppid}) is still "
                                  f"running after the run")

    violations.extend(lost)
    start = begin_ns if begin_ns is not None else (faults[0][0] if faults else None)
    elapsed = f"{((end_ns or now_ns) - start) / 1e9:.1f}s" if start else "-"
    tasks = sum(1 for s in subs.values() if s != "failed")
    if a.header:
        print("| run | faults | tasks | executions | duplicates | lost | time |")
        print("|---|---|---|---|---|---|---|")
    print(f"| {a.label} | {nfaults} | {tasks} | {len(execs)} | {duplicates} | {len(lost)} | {elapsed} |")
    cats = {}
    for v in violations:
        cats[category(v)] = cats.get(category(v), 0) + 1
    if a.summary:
        with open(a.summary, "w") as f:
            for k in sorted(set(n for n, _ in CATEGORIES) | {"structure"}):
                print(f"v_{k}={cats.get(k, 0)}", file=f)
            for k, v in (("faults", nfaults), ("tasks", tasks), ("rows", len(rows)),
                         ("final", final_rows), ("executions", len(execs)),
                         ("duplicates", duplicates), ("unexplained", unexplained),
                         ("lost", len(lost)), ("late_expected", late_expected),
                         ("killed_clients", len(killed_clients)), ("survivors", survivors),
                         ("acknowledged", subcounts["acknowledged"]),
                         ("unknown", subcounts["unknown"]), ("failed", subcounts["failed"]),
                         ("violations", len(violations)), ("time", elapsed)):
                print(f"{k}={v}", file=f)
    allowed = {c for c in a.allow.split(",") if c}
    if violations:
        print(f"invariants: {len(violations)} violation(s) ("
              + ", ".join(f"{k} {n}" for k, n in sorted(cats.items())) + "):", file=sys.stderr)
        for v in violations[:200]:
            print(f"  - {'(allowed) ' if category(v) in allowed else ''}{v}", file=sys.stderr)
        if len(violations) > 200:
            print(f"  ... and {len(violations) - 200} more", file=sys.stderr)
        if any(category(v) not in allowed for v in violations):
            return 1
        print(f"invariants: only allowed categories ({a.allow}): passing", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
