"""Answering from a newly published index without a restart, in every worker and on every host.

Publishing saves the new index under ``build/<hash>/`` and writes that hash to ``build/current``.
Each worker looks at ``build/current`` at most every ``INDEX_CHECK_SECONDS`` (one small file read)
and, when it names another index, loads it and swaps it in between requests. Hosts that share
the build folder (a network volume) follow the same file.

An index built by other code (another release during a rolling deploy, other settings) is not
swapped in: its features or models may not be what this code expects. The worker keeps its index
and says so once in the log; a restart on the new release picks the new index up.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from .dialogue import Assistant
from .index import INDEX_FILE, IndexLoadError, current_hash, load_index, read_meta

log = logging.getLogger(__name__)


class IndexWatcher:
    """Swaps a newer current index into ``assistant`` when ``build/current`` changes."""

    def __init__(self, assistant: Assistant, build_dir: Path, every: float = 2.0, clock=time.monotonic):
        self.assistant, self.build_dir, self.every, self.clock = assistant, build_dir, every, clock
        self._checked = clock()
        self._lock = threading.Lock()
        self._foreign: set[str] = set()

    def check(self) -> bool:
        """Reload if due and the current index changed; True when a new index was swapped in."""
        now = self.clock()
        if now - self._checked < self.every or not self._lock.acquire(blocking=False):
            return False
        try:
            self._checked = now
            wanted = current_hash(self.build_dir)
            if wanted is None or wanted == self.assistant.index.content_hash or wanted in self._foreign:
                return False
            built_by = read_meta(self.build_dir / wanted).get("code")
            if built_by != self.assistant.index.code_hash:
                self._foreign.add(wanted)
                log.warning("Indeks %s er bygd av en annen kodeversjon (%s, denne er %s); beholder %s",
                            wanted, built_by, self.assistant.index.code_hash, self.assistant.index.content_hash)
                return False
            try:
                self.assistant.index = load_index(self.build_dir / wanted / INDEX_FILE)
            except IndexLoadError as exc:
                log.error("Kunne ikke laste ny indeks %s: %s", wanted, exc)
                return False
            log.info("Bytter til indeks %s", wanted)
            return True
        finally:
            self._lock.release()
