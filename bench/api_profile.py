"""Where a question's server time goes, in one process: ``POST /api/ask`` against ``GET /api/ping``.

    python bench/api_profile.py                       PostgreSQL log, Redis sessions and limits (as bench/load.py)
    python bench/api_profile.py --redis '' --postgres ''    in-memory sessions and limits, SQLite log
    python bench/api_profile.py --profile 25          also cProfile's 25 costliest functions (cumulative CPU)

The app is made by ``create_app`` with the production settings that bench/load.py gives serve.py (a fresh
PostgreSQL database, dropped afterwards; Redis db 14 under a key prefix of its own) and driven through Flask's test
client, without gunicorn and sockets of its own: the same question mix as bench/load.py (60 % in scope, 20 % out of
scope, 20 % follow-ups). Per request it prints the CPU time (median and least of ``--rounds`` rounds: CPU time on a
busy machine only grows, so the least is the steadiest), the part of it spent in ``Assistant.ask``, the Redis round
trips and the Python function calls (counted by cProfile: the same on every run, busy machine or not).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import FOLLOW_UPS, fresh_database, questions

from assistant.app import create_app
from assistant.dialogue import Assistant


class Counters:
    """CPU seconds spent in ``Assistant.ask`` and Redis round trips, while installed."""

    def __init__(self) -> None:
        self.in_ask = 0.0
        self.round_trips = 0

    def install(self) -> None:
        """Wrap ``Assistant.ask`` and redis-py's send (one send per round trip, a pipeline's too)."""
        ask, send = Assistant.ask, redis.connection.AbstractConnection.send_packed_command

        def timed_ask(assistant: Assistant, *args: object, **kwargs: object) -> object:
            began = time.process_time()
            try:
                return ask(assistant, *args, **kwargs)
            finally:
                self.in_ask += time.process_time() - began

        def counted_send(connection: object, *args: object, **kwargs: object) -> object:
            self.round_trips += 1
            return send(connection, *args, **kwargs)

        Assistant.ask = timed_ask  # type: ignore[method-assign]
        redis.connection.AbstractConnection.send_packed_command = counted_send  # type: ignore[method-assign]


def asker(client: object, rng: random.Random, in_scope: list[str], out_of_scope: list[str]) -> Callable[[], None]:
    """One visitor of bench/load.py's mix, through ``client``."""
    session: list[str] = []

    def ask() -> None:
        roll = rng.random()
        if roll < 0.2 and session:
            body = {"question": rng.choice(FOLLOW_UPS), "session": session[0]}
        else:
            body = {"question": rng.choice(out_of_scope if roll < 0.4 else in_scope)}
            if session and rng.random() < 0.5:
                body["session"] = session[0]
        response = client.post("/api/ask", json=body)  # type: ignore[attr-defined]
        if response.status_code != 200:
            raise SystemExit(f"POST /api/ask answered {response.status_code}: {response.get_data(as_text=True)}")
        session[:] = [response.get_json()["session"]]

    return ask


def ping_with(client: object) -> Callable[[], None]:
    """``GET /api/ping`` through ``client``."""
    def ping() -> None:
        if client.get("/api/ping").status_code != 200:  # type: ignore[attr-defined]
            raise SystemExit("GET /api/ping failed")
    return ping


def measure(call: Callable[[], None], counters: Counters, n: int, rounds: int) -> dict[str, float]:
    """Per request of ``call``: CPU ms (median and least of the rounds), ms in Assistant.ask, Redis round trips."""
    cpu, inside, trips = [], [], []
    for _ in range(rounds):
        counters.in_ask, counters.round_trips = 0.0, 0
        began = time.process_time()
        for _ in range(n):
            call()
        cpu.append(1000 * (time.process_time() - began) / n)
        inside.append(1000 * counters.in_ask / n)
        trips.append(counters.round_trips / n)
    return {"cpu": statistics.median(cpu), "least": min(cpu), "ask": statistics.median(inside),
            "trips": statistics.median(trips)}


def calls_per_request(call: Callable[[], None], n: int, top: int) -> float:
    """Python function calls per request of ``call`` (cProfile); prints the ``top`` costliest functions."""
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for _ in range(n):
        call()
    profile.disable()
    stats = pstats.Stats(profile)
    if top:
        stats.sort_stats("cumulative").print_stats(top)
    return stats.total_calls / n  # type: ignore[attr-defined]


def run(args: argparse.Namespace, database_url: str | None) -> None:
    """Make the app, warm it up, measure and print."""
    config = {"RATELIMIT_DEFAULT": "1000000 per minute", "SECRET_KEY": uuid.uuid4().hex}
    if database_url:
        config["DATABASE_URL"] = database_url
    if args.redis:
        config.update({"SESSION_STORE_URL": args.redis, "RATELIMIT_STORAGE_URI": args.redis,
                       "RATELIMIT_KEY_PREFIX": f"apiprofile-{uuid.uuid4().hex}"})
    app = create_app(config)
    client = app.test_client()
    in_scope, out_of_scope = questions()
    counters = Counters()
    counters.install()
    ask, ping = asker(client, random.Random(args.seed), in_scope, out_of_scope), ping_with(client)
    for _ in range(30):
        ask()
        ping()
    rows = {"GET /api/ping": measure(ping, counters, args.requests, args.rounds),
            "POST /api/ask": measure(ask, counters, args.requests, args.rounds)}
    calls = {"GET /api/ping": calls_per_request(ping, args.requests, 0),
             "POST /api/ask": calls_per_request(ask, args.requests, args.profile)}
    print(f"\n{args.requests} requests x {args.rounds} rounds each; Redis: {args.redis or 'off'}; log: "
          f"{'PostgreSQL' if database_url else 'SQLite'}\n")
    print("| endpoint        | CPU ms/req (median) | least | in Assistant.ask | outside it | Redis round trips "
          "| Python calls |")
    print("|-----------------|--------------------:|------:|-----------------:|-----------:|------------------:"
          "|-------------:|")
    for name, row in rows.items():
        print(f"| {name:<15} | {row['cpu']:>19.3f} | {row['least']:>5.3f} | {row['ask']:>16.3f} | "
              f"{row['cpu'] - row['ask']:>10.3f} | {row['trips']:>17.2f} | {calls[name]:>12.0f} |")


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", type=int, default=0, help="print this many of cProfile's costliest functions")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL",
                                                             "postgresql+psycopg://postgres@127.0.0.1/postgres"),
                        help="a PostgreSQL URL allowed to create and drop databases; '' for SQLite in memory")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14", help="Redis URL; '' for none")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if not args.postgres:
        run(args, "sqlite://")
        return 0
    with fresh_database(args.postgres) as database_url:
        run(args, database_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
