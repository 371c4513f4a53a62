"""Start the assistant's web service.

    python serve.py                      build the index if it is missing or stale, serve on 127.0.0.1:5000
    python serve.py --host 0.0.0.0 --port 8080
"""

from __future__ import annotations

import argparse
import sys

from assistant.app import create_app
from assistant.config import build_dir, content_root
from assistant.index import load_or_build
from assistant.progress import ProgressBar


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, build or load the index, and run the server."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args(argv)
    root = content_root()
    load_or_build(root, build_dir(root), progress=ProgressBar())
    app = create_app()
    index = app.extensions["assistant"].index
    print(f"Forsøksassistenten svarer på http://{args.host}:{args.port}/ (indeks {index.content_hash})")
    app.run(host=args.host, port=args.port, debug=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
