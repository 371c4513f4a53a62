"""Load benchmark: the production setup (gunicorn, PostgreSQL, Redis) under concurrent clients, on loopback only.

    python bench/load.py                                 50 clients, 20 s per phase, 2 workers x 4 threads
    python bench/load.py --clients 20 --duration 10 --workers 4 --threads 2
    python bench/load.py --redis ''                      sessions and rate limits in each worker's memory
    python bench/load.py --rounds 3                      the two phases taken in turns, three times each

Starts ``python serve.py --workers N --threads T`` on a free 127.0.0.1 port with its question log in a fresh
PostgreSQL database (created here, dropped afterwards) and sessions and rate-limit counters in Redis. Then, for
the same number of clients and the same time each, it runs two phases:

1. ``GET /api/ping``: a trivial Flask endpoint on the same server, the baseline;
2. ``POST /api/ask``: a mix of in-scope questions from the development set (60 %), out-of-scope ones (20 %)
   and follow-ups in the client's conversation (20 %, with its session id).

With ``--rounds N`` each phase is split into N parts of ``--duration``/N seconds taken in turns (ping, ask, ping,
ask, ...) and added up, so that other jobs on a shared machine weigh on both phases alike.

It prints requests per second, p50/p95/p99 latency and errors for both, their ratio, the start-up time
(process start until ``/api/health`` answers; the index is built before), the memory of every gunicorn
process (RSS and PSS from /proc) before and after the load, and checks the question log: one row for every
answered question, none lost and none doubled. Exit status 1 on any error or a log mismatch. Each phase is bounded by
``--duration`` and ``--max-requests``; every request by a timeout.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import build_dir, content_root
from assistant.database import engine_url
from assistant.evaluation import load_devset, percentile
from assistant.index import load_or_build

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only
FOLLOW_UPS = ("og kan det forlengast?", "og hva med fylkeskommunene?", "kva då med søknadsfristen?",
              "hva med interkommunalt samarbeid da?", "og kor lenge varer det?", "men hvem bestemmer?")
MAX_DURATION = 300.0


@dataclass
class Phase:
    """The outcome of one phase: latencies of the answered requests, errors, and the reply ids logged."""

    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    reply_ids: list[str] = field(default_factory=list)
    server_cpu: float = 0.0
    client_cpu: float = 0.0

    @property
    def answered(self) -> int:
        """Requests answered with 200."""
        return len(self.latencies)

    @property
    def error_count(self) -> int:
        """Requests that failed (another status, or no response)."""
        return sum(self.errors.values())

    @property
    def rate(self) -> float:
        """Answered requests per second."""
        return self.answered / self.seconds if self.seconds else 0.0

    def ms(self, q: float) -> float:
        """The ``q``-th percentile latency in milliseconds."""
        return 1000 * percentile(self.latencies, q) if self.latencies else float("nan")

    def cpu_ms(self, seconds: float) -> float:
        """CPU milliseconds per answered request."""
        return 1000 * seconds / self.answered if self.answered else float("nan")

    def add(self, other: Phase) -> None:
        """Add the figures of ``other``, another part of the same phase."""
        self.seconds += other.seconds
        self.latencies += other.latencies
        self.reply_ids += other.reply_ids
        self.server_cpu += other.server_cpu
        self.client_cpu += other.client_cpu
        for error, count in other.errors.items():
            self.errors[error] = self.errors.get(error, 0) + count


class Client:
    """One simulated visitor with a keep-alive connection and a conversation."""

    def __init__(self, port: int, rng: random.Random, in_scope: list[str], out_of_scope: list[str]):
        self.port, self.rng, self.in_scope, self.out_of_scope = port, rng, in_scope, out_of_scope
        self.connection: http.client.HTTPConnection | None = None
        self.session: str | None = None

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict | None]:
        """Send one request; once more on a new connection if the server had closed the kept-alive one.

        Only a reused connection is retried: the server closes an idle one before reading from it, so the
        request was not handled (a retried question would otherwise show up as a doubled log record).
        """
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else {}
        while True:
            reused = self.connection is not None
            if self.connection is None:
                self.connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
            try:
                self.connection.request(method, path, body=payload, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if not reused:
                    raise
                continue
            if response.will_close:
                self.close()
            return response.status, json.loads(data) if data else None

    def close(self) -> None:
        """Close the connection."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def ping(self) -> tuple[int, str | None]:
        """``GET /api/ping``."""
        status, _ = self.request("GET", "/api/ping")
        return status, None

    def ask(self) -> tuple[int, str | None]:
        """``POST /api/ask`` with the next question of the mix; the status and the reply id."""
        roll = self.rng.random()
        if roll < 0.2 and self.session:
            body = {"question": self.rng.choice(FOLLOW_UPS), "session": self.session}
        else:
            pool = self.out_of_scope if roll < 0.4 else self.in_scope
            body = {"question": self.rng.choice(pool)}
            if self.session and self.rng.random() < 0.5:
                body["session"] = self.session
        status, reply = self.request("POST", "/api/ask", body)
        if status != 200 or not reply:
            return status, None
        self.session = reply["session"]
        return status, reply["reply_id"] or "<null>"


def run_phase(name: str, clients: list[Client], call: Callable[[Client], tuple[int, str | None]],
              seconds: float, max_requests: int) -> Phase:
    """Every client calls ``call`` in a loop until ``seconds`` pass or ``max_requests`` were sent in all."""
    phase = Phase(name)
    lock = threading.Lock()
    sent = 0
    start = time.perf_counter()
    stop_at = start + seconds

    def loop(client: Client) -> None:
        nonlocal sent
        while time.perf_counter() < stop_at:
            with lock:
                if sent >= max_requests:
                    return
                sent += 1
            began = time.perf_counter()
            try:
                status, reply_id = call(client)
            except (OSError, http.client.HTTPException) as exc:
                status, reply_id = 0, None
                error = type(exc).__name__
                client.close()
            else:
                error = f"HTTP {status}"
            took = time.perf_counter() - began
            with lock:
                if status == 200:
                    phase.latencies.append(took)
                    if reply_id:
                        phase.reply_ids.append(reply_id)
                else:
                    phase.errors[error] = phase.errors.get(error, 0) + 1

    threads = [threading.Thread(target=loop, args=(client,), daemon=True) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 60)
    phase.seconds = time.perf_counter() - start
    return phase


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    """A new PostgreSQL database for the question log (its URL), dropped afterwards."""
    admin = sa.create_engine(engine_url(admin_url), isolation_level="AUTOCOMMIT")
    name = f"loadbench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield engine_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Server:
    """``python serve.py`` as a subprocess, with its output in a temporary file."""

    process: subprocess.Popen
    port: int
    output: Path
    startup: float = 0.0

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), then kill the group if it hangs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)

    def tail(self) -> str:
        """The end of the server's output."""
        return self.output.read_text(encoding="utf-8", errors="replace")[-3000:]


def start_server(args: argparse.Namespace, database_url: str, output: Path) -> Server:
    """Start gunicorn through serve.py and wait (bounded) until ``/api/health`` answers."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_") and k != "DATABASE_URL"}
    env.update({"ASSISTANT_DATABASE_URL": database_url, "ASSISTANT_SECRET_KEY": uuid.uuid4().hex,
                "ASSISTANT_RATELIMIT_DEFAULT": "1000000 per minute"})  # all clients share one address
    if args.redis:
        env.update({"ASSISTANT_SESSION_STORE_URL": args.redis, "ASSISTANT_RATELIMIT_STORAGE_URI": args.redis,
                    "ASSISTANT_RATELIMIT_KEY_PREFIX": f"loadbench-{uuid.uuid4().hex}"})
    command = [sys.executable, str(ROOT / "serve.py"), "--host", HOST, "--port", str(port),
               "--workers", str(args.workers), "--threads", str(args.threads)]
    began = time.perf_counter()
    with output.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    server = Server(process, port, output)
    deadline = began + 120
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"serve.py ended with status {process.returncode}:\n{server.tail()}")
        with suppress(OSError, http.client.HTTPException):
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", "/api/health")
            if connection.getresponse().status == 200:
                server.startup = time.perf_counter() - began
                connection.close()
                return server
        time.sleep(0.05)
    server.stop()
    raise SystemExit(f"serve.py did not answer within 120 s:\n{server.tail()}")


def memory(pid: int) -> tuple[int, int]:
    """RSS and PSS of a process in KiB, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    pss = next(int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:"))
    return rss, pss


def server_pids(master: int) -> list[int]:
    """The gunicorn master and its workers."""
    return [master, *(int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split())]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by ``pids`` (from /proc/<pid>/stat)."""
    total = 0
    for pid in pids:
        with suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def client_cpu_seconds() -> float:
    """User + system CPU seconds used so far by this process (the clients)."""
    times = os.times()
    return times.user + times.system


def measured_phase(master: int, name: str, clients: list[Client], call: Callable[[Client], tuple[int, str | None]],
                   seconds: float, args: argparse.Namespace) -> Phase:
    """:func:`run_phase`, with the CPU time the server processes and the clients used during it."""
    pids = server_pids(master)
    server_before, client_before = cpu_seconds(pids), client_cpu_seconds()
    phase = run_phase(name, clients, call, seconds, args.max_requests)
    phase.server_cpu = cpu_seconds(pids) - server_before
    phase.client_cpu = client_cpu_seconds() - client_before
    return phase


def process_memory(master: int) -> list[tuple[str, int, int, int]]:
    """(role, pid, RSS KiB, PSS KiB) of the gunicorn master and its workers."""
    rows = []
    for pid in server_pids(master):
        role = "master" if pid == master else "worker"
        with suppress(OSError, StopIteration):
            rows.append((role, pid, *memory(pid)))
    return rows


def logged_rows(database_url: str) -> tuple[int, set[str]]:
    """The number of rows in the question log and the set of their reply ids."""
    engine = sa.create_engine(engine_url(database_url))
    try:
        with engine.connect() as connection:
            ids = list(connection.execute(sa.text("SELECT reply_id FROM question_log")).scalars())
    finally:
        engine.dispose()
    return len(ids), set(ids)


def questions() -> tuple[list[str], list[str]]:
    """In-scope and out-of-scope questions from the development set."""
    root = content_root()
    kb = load_or_build(root, build_dir(root)).kb
    devset = load_devset(root, set(kb.by_id))
    return [q.q for q in devset if q.expect], [q.q for q in devset if not q.expect]


def print_report(args: argparse.Namespace, server: Server, phases: list[Phase],
                 mem_before: list[tuple[str, int, int, int]], mem: list[tuple[str, int, int, int]],
                 log_check: list[tuple[str, object]]) -> None:
    """Print the figures as tables."""
    cpus = os.cpu_count()
    turns = f" in {args.rounds} turns" if args.rounds > 1 else ""
    print(f"\nserve.py --workers {args.workers} --threads {args.threads}; {args.clients} clients, "
          f"{args.duration:g} s per phase{turns}; {cpus} CPU cores shared by server and clients; "
          f"Redis: {args.redis or 'off'}")
    print(f"start-up (process start until /api/health answers, index built): {server.startup:.2f} s\n")
    print(f"| {'endpoint':<15} | {'answered':>8} | {'errors':>6} | {'req/s':>7} | {'p50 ms':>7} | {'p95 ms':>7} "
          f"| {'p99 ms':>7} | {'server CPU ms/req':>17} | {'client CPU ms/req':>17} |")
    print(f"|{'-' * 17}|{'-' * 9}:|{'-' * 7}:|{'-' * 8}:|{'-' * 8}:|{'-' * 8}:|{'-' * 8}:|{'-' * 18}:|{'-' * 18}:|")
    for phase in phases:
        print(f"| {phase.name:<15} | {phase.answered:>8} | {phase.error_count:>6} | {phase.rate:>7.1f} | "
              f"{phase.ms(50):>7.1f} | {phase.ms(95):>7.1f} | {phase.ms(99):>7.1f} | "
              f"{phase.cpu_ms(phase.server_cpu):>17.2f} | {phase.cpu_ms(phase.client_cpu):>17.2f} |")
    ping, asked = phases
    if ping.rate and asked.rate:
        print(f"| {'ask / ping':<15} | {'':>8} | {'':>6} | {asked.rate / ping.rate:>7.3f} | "
              f"{asked.ms(50) / ping.ms(50):>6.1f}x | {asked.ms(95) / ping.ms(95):>6.1f}x | "
              f"{asked.ms(99) / ping.ms(99):>6.1f}x | "
              f"{asked.cpu_ms(asked.server_cpu) / ping.cpu_ms(ping.server_cpu):>16.1f}x | {'':>17} |")
    for phase in phases:
        if phase.errors:
            print(f"errors in {phase.name}: {phase.errors}")
    print(f"\nmemory after the warm-up and after the {phases[1].answered} answers of the ask phase:")
    print(f"\n| {'process':<7} | {'pid':>7} | {'RSS before':>10} | {'PSS before':>10} | {'RSS after':>9} | "
          f"{'PSS after':>9} | {'private growth':>14} |")
    print(f"|{'-' * 9}|{'-' * 8}:|{'-' * 11}:|{'-' * 11}:|{'-' * 10}:|{'-' * 10}:|{'-' * 15}:|")
    before = {pid: (rss, pss) for _, pid, rss, pss in mem_before}
    for role, pid, rss, pss in mem:
        rss0, pss0 = before.get(pid, (float("nan"), float("nan")))
        print(f"| {role:<7} | {pid:>7} | {rss0 / 1024:>10.1f} | {pss0 / 1024:>10.1f} | {rss / 1024:>9.1f} | "
              f"{pss / 1024:>9.1f} | {(pss - pss0) / 1024:>+14.1f} |")
    print("(MiB; PSS counts a page shared by n processes as 1/n: its growth is what copy-on-write sharing lost)")
    print("\nquestion log (PostgreSQL):")
    for label, value in log_check:
        print(f"  {label:<32} {value}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when nothing failed and the log holds every answered question exactly once."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (threads)")
    parser.add_argument("--duration", type=float, default=20.0, help=f"seconds per phase (at most {MAX_DURATION:g})")
    parser.add_argument("--max-requests", type=int, default=200_000,
                        help="requests per phase (per turn with --rounds) at most")
    parser.add_argument("--rounds", type=int, default=1, help="take the two phases in turns, this many times each")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL",
                                                             "postgresql+psycopg://postgres@127.0.0.1/postgres"),
                        help="a PostgreSQL URL allowed to create and drop databases")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14", help="Redis URL; '' for none")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if (not 0 < args.duration <= MAX_DURATION or not 0 < args.clients <= 500 or args.max_requests < 1
            or not 0 < args.rounds <= 20):
        parser.error(f"--duration must be in (0, {MAX_DURATION:g}], --clients in 1..500, --max-requests >= 1, "
                     "--rounds in 1..20")
    for url in filter(None, (args.postgres, args.redis)):
        if urlsplit(url).hostname not in ("127.0.0.1", "localhost", "::1"):
            parser.error(f"loopback only: {url}")

    in_scope, out_of_scope = questions()  # builds the index first if needed, so start-up is measured without it
    rng = random.Random(args.seed)
    with fresh_database(args.postgres) as database_url, tempfile.TemporaryDirectory() as tmp:
        server = start_server(args, database_url, Path(tmp) / "serve.log")
        try:
            clients = [Client(server.port, random.Random(rng.random()), in_scope, out_of_scope)
                       for _ in range(args.clients)]
            # Warm-up (not timed, but logged): a worker's first question connects to the database and Redis.
            warm_up = [client.ask() for client in clients[:10]]
            mem_before = process_memory(server.process.pid)
            phases = [Phase("GET /api/ping"), Phase("POST /api/ask")]
            for _ in range(args.rounds):
                for phase, call in zip(phases, (Client.ping, Client.ask), strict=True):
                    phase.add(measured_phase(server.process.pid, phase.name, clients, call,
                                             args.duration / args.rounds, args))
            mem = process_memory(server.process.pid)
            for client in clients:
                client.close()
        finally:
            server.stop()
        rows, stored = logged_rows(database_url)
    answered = phases[1].reply_ids + [reply_id or "<null>" for _, reply_id in warm_up]
    expected = len(answered)
    unlogged = answered.count("<null>")
    missing = len(set(answered) - stored - {"<null>"})
    log_check = [("answered asks (incl. 10 warm-up)", expected), ("rows in question_log", rows),
                 ("distinct reply ids", len(stored)), ("answered without reply_id", unlogged),
                 ("answered but missing", missing), ("doubled", rows - len(stored))]
    print_report(args, server, phases, mem_before, mem, log_check)
    failures = []
    if any(phase.error_count for phase in phases) or any(status != 200 for status, _ in warm_up):
        failures.append("errors")
    if rows != expected or rows != len(stored) or missing or unlogged:
        failures.append("question log mismatch (lost or doubled records)")
    if failures:
        print(f"\nFAILED: {', '.join(failures)}", file=sys.stderr)
        return 1
    print("\nOK: no errors; the question log holds every answered question exactly once.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
