#!/usr/bin/env python3
"""Scaling benchmark of `moderato worker` on NATS JetStream and PostgreSQL.

For each worker count (default 1, 2 and 4): a fresh stream and PostgreSQL
schema; the workers start; N generated items are published at once (a
burst, as a platform's backlog would arrive); the workers drain the stream
and exit when it has been idle for 2 s. Reported per run:

- throughput: N / (time from the first publish to the last decision commit,
  read from the decisions table);
- lag: the most items waiting in the consumer (sampled from worker 0's
  /metrics every 0.25 s) and the workers' own publish-to-acknowledgement
  p50/p99 (histogram bucket bounds);
- cost: CPU-seconds of the workers, of PostgreSQL (postmaster's reaped
  children: the workers' connections end with them) and of nats-server, per
  1,000 decisions.

A second part isolates the stages on the same items: publishing only (the
stream), `moderato run` (evaluation only, no storage) and the workers'
store time, to name the bottleneck.

Usage: python3 scripts/worker-bench.py [N] [WORKER COUNTS...]
Needs: a release build (scripts/worker-bench.sh builds it), NATS with
JetStream at MODERATO_BENCH_NATS_URL (default nats://127.0.0.1:4222) and
PostgreSQL at MODERATO_BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/test). Schemas `moderato_wbench_*` are
dropped and recreated; nothing else is touched.
"""

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

BIN = "./target/release/moderato"
NATS = os.environ.get("MODERATO_BENCH_NATS_URL", "nats://127.0.0.1:4222")
DATABASE = os.environ.get("MODERATO_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")


def psql(sql, schema=None):
    url = DATABASE
    env = dict(os.environ)
    if schema:
        env["PGOPTIONS"] = f"-c search_path={schema}"
    out = subprocess.run(["psql", url, "-qtAc", sql], capture_output=True, text=True, env=env, check=True)
    return out.stdout.strip()


def proc_cpu(pid, children=False):
    """utime+stime (and reaped children's) of a process, in seconds."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    own = int(fields[11]) + int(fields[12])
    reaped = int(fields[13]) + int(fields[14])
    return (own + (reaped if children else 0)) / ticks


def pid_of(name):
    out = subprocess.run(["pgrep", "-o", "-x", name], capture_output=True, text=True)
    return int(out.stdout.split()[0]) if out.stdout.strip() else None


def stream_args(stream, prefix):
    return ["--nats", NATS, "--stream", stream, "--subject-prefix", prefix, "--consumer", "bench"]


def delete_streams(stream):
    """Deletes the run's three streams through the JetStream API ($JS.API.STREAM.DELETE.<name>),
    spoken in the plain NATS text protocol, so the script needs no NATS client library."""
    import socket

    host, port = NATS.replace("nats://", "").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.recv(4096)
        sock.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\nSUB _bench.reply 1\r\n')
        for suffix in ["", "_DECISIONS", "_DEAD_LETTERS"]:
            subject = f"$JS.API.STREAM.DELETE.{stream}{suffix}"
            sock.sendall(f"PUB {subject} _bench.reply 0\r\n\r\n".encode())
        sock.sendall(b"PING\r\n")
        buffer = b""
        deadline = time.time() + 5
        while b"PONG" not in buffer and time.time() < deadline:
            buffer += sock.recv(65536)
        time.sleep(0.2)


def run(count, workers, items, rate=None):
    schema = f"moderato_wbench_{workers}"
    stream = f"WBENCH_{workers}_{os.getpid()}"
    prefix = f"wbench{workers}_{os.getpid()}"
    psql(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
    url = f"{DATABASE}?options=-c%20search_path%3D{schema}"
    # Migrate once before the workers start side by side.
    subprocess.run([BIN, "audit", "verify", "--database-url", url], capture_output=True, check=True)
    postgres, nats = pid_of("postgres"), pid_of("nats-server")
    pg_before = proc_cpu(postgres, children=True) if postgres else 0.0
    nats_before = proc_cpu(nats) if nats else 0.0
    logs = tempfile.mkdtemp()
    started_workers = time.time()
    procs = []
    for n in range(workers):
        log = open(os.path.join(logs, f"w{n}.log"), "w")
        procs.append(subprocess.Popen(
            [BIN, "worker", "--database-url", url, "--exit-when-idle", "2",
             "--metrics-addr", f"127.0.0.1:{19500 + n}"] + stream_args(stream, prefix),
            stdout=subprocess.DEVNULL, stderr=log, env={**os.environ, "RUST_LOG": "warn"}))
    # Wait for worker 0's metrics endpoint (it has created the streams by then).
    for _ in range(200):
        try:
            urllib.request.urlopen("http://127.0.0.1:19500/healthz", timeout=1)
            break
        except Exception:
            time.sleep(0.05)
    time.sleep(0.5)
    max_lag = [0.0]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            try:
                text = urllib.request.urlopen("http://127.0.0.1:19500/metrics", timeout=1).read().decode()
                match = re.search(r"^moderato_worker_lag (\S+)$", text, re.M)
                if match:
                    max_lag[0] = max(max_lag[0], float(match.group(1)))
            except Exception:
                pass
            stop.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    publish_start = time.time()
    pace = ["--rate", str(rate)] if rate else []
    subprocess.run([BIN, "publish", items, "--quiet"] + pace + stream_args(stream, prefix), check=True,
                   capture_output=True)
    publish_seconds = time.time() - publish_start
    before_children = os.times()
    for proc in procs:
        proc.wait(timeout=3600)
    stop.set()
    after_children = os.times()
    worker_cpu = (after_children.children_user + after_children.children_system) - (
        before_children.children_user + before_children.children_system)
    pg_cpu = (proc_cpu(postgres, children=True) - pg_before) if postgres else float("nan")
    nats_cpu = (proc_cpu(nats) - nats_before) if nats else float("nan")
    decided = int(psql("SELECT COUNT(*) FROM decisions", schema))
    last_ms = int(psql("SELECT MAX(created_at) FROM decisions", schema))
    seconds = last_ms / 1000.0 - publish_start
    latencies = []
    store_lines = []
    for n in range(workers):
        text = open(os.path.join(logs, f"w{n}.log")).read()
        match = re.search(r"p50 <= (\d+) ms, p99 <= (\d+) ms", text)
        if match:
            latencies.append((int(match.group(1)), int(match.group(2))))
        store_lines.append(text.strip().splitlines()[-1] if text.strip() else "")
    p50 = max(l[0] for l in latencies) if latencies else None
    p99 = max(l[1] for l in latencies) if latencies else None
    delete_streams(stream)
    psql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    per_k = lambda cpu: cpu / max(decided, 1) * 1000
    label = f"{workers} (paced {rate:,}/s)" if rate else f"{workers} (burst)"
    print(f"| {label} | {decided:,} | {seconds:.1f} | {decided / seconds:,.0f} | {max_lag[0]:,.0f} | "
          f"{p50} / {p99} | {per_k(worker_cpu):.2f} | {per_k(pg_cpu):.2f} | {per_k(nats_cpu):.2f} | "
          f"{publish_seconds:.1f} |", flush=True)
    if decided != count:
        print(f"!! expected {count} decisions, found {decided}; logs in {logs}", flush=True)


def stages(count, items):
    """Each stage alone, on the same items."""
    stream = f"WBENCH_PUB_{os.getpid()}"
    prefix = f"wbenchpub_{os.getpid()}"
    start = time.time()
    subprocess.run([BIN, "publish", items, "--quiet"] + stream_args(stream, prefix), check=True,
                   capture_output=True)
    publish = count / (time.time() - start)
    delete_streams(stream)
    out = tempfile.mktemp(suffix=".jsonl")
    start = time.time()
    subprocess.run([BIN, "run", items, "-o", out], check=True, capture_output=True)
    evaluate = count / (time.time() - start)
    os.remove(out)
    print(f"| publish to JetStream (1 process) | {publish:,.0f} items/s |")
    print(f"| evaluate only (`moderato run`, 2 threads, no storage) | {evaluate:,.0f} items/s |")


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    counts = [int(a) for a in sys.argv[2:]] or [1, 2, 4]
    items = tempfile.mktemp(suffix=".jsonl")
    subprocess.run([BIN, "generate", "--count", str(count), "--seed", "5", "-o", items], check=True,
                   capture_output=True)
    print(f"# {count:,} items, {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}")
    print("| workers | decisions | seconds | decisions/s | max lag (items) | publish→ack p50 / p99 (ms) "
          "| worker CPU-s per 1k | PostgreSQL CPU-s per 1k | NATS CPU-s per 1k | publish s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for workers in counts:
        run(count, workers, items)
    # Latency below capacity: the same items paced at a steady rate, as a platform's live traffic.
    paced = os.environ.get("MODERATO_BENCH_RATE", "2000")
    if paced != "0":
        run(count, 1, items, rate=int(paced))
    print()
    print("| stage alone | rate |")
    print("|---|---|")
    stages(count, items)
    os.remove(items)


if __name__ == "__main__":
    main()
