"""Start the assistant's web service.

    python serve.py                           build the index if missing or stale; Flask's server on 127.0.0.1:5000
    python serve.py --host 0.0.0.0 --port 8080
    python serve.py --workers 4 --threads 2   production: gunicorn with that many worker processes

Content that cannot be built into an index, or an index folder that cannot be written, stops the start
with the reason on standard error and exit status 1; a corrupt or stale index is rebuilt.
"""

from __future__ import annotations

import argparse
import gc
import sys
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from assistant.app import create_app
from assistant.config import content_root
from assistant.index import IndexLoadError
from assistant.knowledge import ValidationError
from assistant.progress import ProgressBar


class GunicornApp(BaseApplication):
    """Runs the app under gunicorn; the app is created once in the master and shared by the workers."""

    def __init__(self, app: Flask, options: dict[str, object]):
        self.application, self.options = app, options
        super().__init__()

    def load_config(self) -> None:
        """Apply ``options`` to gunicorn's settings."""
        for key, value in self.options.items():
            self.cfg.set(key, value)
        self.cfg.set("post_worker_init", self.post_worker_init)
        self.cfg.set("worker_exit", self.worker_exit)
        if "control_socket_disable" in self.cfg.settings:  # gunicorn >= 25.1: its socket path is per user, so
            self.cfg.set("control_socket_disable", True)  # two instances on one host would take each other's

    def post_worker_init(self, _worker: Any) -> None:
        """gunicorn's hook in a new worker: drain what the question log's spool holds (left by workers before it)."""
        self.application.extensions["log"].resume()

    def worker_exit(self, _server: object, worker: Any) -> None:
        """gunicorn's hook in a worker that ends: one last try to store the question log's spooled records."""
        waiting = self.application.extensions["log"].drain()
        if waiting:
            worker.log.warning("Spørsmålsloggen er fortsatt utilgjengelig: %d spørsmål venter i spoolen og lagres "
                               "når databasen svarer igjen", waiting)

    def load(self) -> Flask:
        """The WSGI application."""
        return self.application


def gunicorn_options(host: str, port: int, workers: int, threads: int) -> dict[str, object]:
    """The repository's gunicorn configuration."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "preload_app": True,  # the index is loaded once, read-only, and shared copy-on-write
        "timeout": 30,
        "graceful_timeout": 10,
        "accesslog": "-",
        # The access log shows method, path and status only: never a query string or body with visitor text.
        "access_log_format": '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(L)ss',
        "errorlog": "-",
    }


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, build or load the index, and run the server."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=0, help="gunicorn worker processes (0: Flask's own server)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    args = parser.parse_args(argv)
    root = content_root()
    try:
        app = create_app(progress=ProgressBar())
    except ValidationError as exc:
        print(f"Kan ikke starte: innholdet i {root} har {len(exc.problems)} problem(er):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        print("Rett dem (se «python train.py --check») og start på nytt.", file=sys.stderr)
        return 1
    except (IndexLoadError, OSError) as exc:
        print(f"Kan ikke starte: {exc}", file=sys.stderr)
        return 1
    index = app.extensions["assistant"].index
    print(f"Forsøksassistenten svarer på http://{args.host}:{args.port}/ (indeks {index.content_hash})", flush=True)
    if args.workers > 0:
        # Everything loaded so far (the index above all) is moved out of the garbage collector's generations,
        # so a worker's collections do not write to those objects' pages and they stay shared copy-on-write.
        gc.collect()
        gc.freeze()
        GunicornApp(app, gunicorn_options(args.host, args.port, args.workers, args.threads)).run()
    else:
        app.run(host=args.host, port=args.port, debug=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
