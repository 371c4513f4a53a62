import json
import logging
from dataclasses import FrozenInstanceError, replace

import pytest

from assistant.dialogue import Assistant
from assistant.index import current_hash, mark_current, save_index
from assistant.reload import IndexWatcher


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_worker_swaps_in_the_index_marked_current(index, tmp_path):
    save_index(index, tmp_path)
    newer = replace(index, content_hash="feedfacefeedface")
    save_index(newer, tmp_path)
    assert current_hash(tmp_path) == "feedfacefeedface"
    mark_current(tmp_path, index.content_hash)
    clock = Clock()
    assistant = Assistant(index)
    watcher = IndexWatcher(assistant, tmp_path, every=2.0, clock=clock)
    assert not watcher.check()  # nothing changed
    mark_current(tmp_path, "feedfacefeedface")
    clock.now += 1.0
    assert not watcher.check() and assistant.index.content_hash == index.content_hash  # not due yet
    clock.now += 1.5
    assert watcher.check() and assistant.index.content_hash == "feedfacefeedface"
    assert assistant.ask("Kor lenge kan eit forsøk vare?").id == "varighet"


def test_a_broken_current_index_is_not_swapped_in(index, tmp_path):
    save_index(index, tmp_path)
    (tmp_path / "badbadbadbadbad0").mkdir()
    (tmp_path / "badbadbadbadbad0" / "index.joblib").write_bytes(b"broken")
    (tmp_path / "badbadbadbadbad0" / "meta.json").write_text(json.dumps({"code": index.code_hash}))
    mark_current(tmp_path, "badbadbadbadbad0")
    clock = Clock()
    assistant = Assistant(index)
    watcher = IndexWatcher(assistant, tmp_path, every=0.0, clock=clock)
    assert not watcher.check()
    assert assistant.index is index


def test_an_index_built_by_other_code_is_not_swapped_in(index, tmp_path, caplog):
    assert index.code_hash
    save_index(index, tmp_path)
    save_index(replace(index, content_hash="0ther0ther0ther0", code_hash="another-release"), tmp_path)
    assistant = Assistant(index)
    watcher = IndexWatcher(assistant, tmp_path, every=0.0, clock=Clock())
    with caplog.at_level(logging.WARNING, logger="assistant.reload"):
        assert not watcher.check() and not watcher.check()
    assert assistant.index is index
    assert [r.getMessage() for r in caplog.records if "annen kodeversjon" in r.getMessage()] == [
        f"Indeks 0ther0ther0ther0 er bygd av en annen kodeversjon (another-release, denne er {index.code_hash}); "
        f"beholder {index.content_hash}"]  # said once, not every check
    # The same code publishing again is followed as before.
    save_index(replace(index, content_hash="5a5a5a5a5a5a5a5a"), tmp_path)
    assert watcher.check() and assistant.index.content_hash == "5a5a5a5a5a5a5a5a"


def test_app_that_loads_its_own_index_serves_and_follows_current(index, tmp_path):
    from assistant.app import create_app

    save_index(index, tmp_path / "build")
    app = create_app({"TESTING": True, "BUILD_DIR": str(tmp_path / "build"),
                      "DATABASE_URL": f"sqlite:///{tmp_path}/log.sqlite3", "INDEX_CHECK_SECONDS": 0})
    client = app.test_client()
    assert client.get("/api/health").status_code == 200
    reply = client.post("/api/ask", json={"question": "Kor lenge kan eit forsøk vare?"})
    assert reply.status_code == 200 and reply.get_json()["id"] == "varighet"
    save_index(replace(index, content_hash="0123456789abcdef"), tmp_path / "build")
    assert client.get("/api/health").get_json()["index"] == "0123456789abcdef"


# --- the race on a swap: a reply is built from the index it started with ------------------------------------

class WithoutEntry:
    """A retriever that does not know ``entry_id``: the index as it was before that entry was published."""

    def __init__(self, retriever, entry_id: str):
        self._retriever, self._entry_id = retriever, entry_id

    def candidates(self, text: str):
        found, passages = self._retriever.candidates(text)
        return [c for c in found if c.id != self._entry_id], passages

    def __getattr__(self, name: str):
        return getattr(self._retriever, name)


class SwapDuringPredict:
    """An intent classifier whose first ``predict`` calls ``swap`` first: the watcher or a publish, mid-request."""

    def __init__(self, intents, swap):
        self._intents, self._swap = intents, swap

    def predict(self, *args, **kwargs):
        swap, self._swap = self._swap, None
        if swap:
            swap()
        return self._intents.predict(*args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._intents, name)


def test_an_index_swapped_in_mid_request_does_not_break_the_reply(index, tmp_path):
    """Replays the race: a request starts on the old index, a publish swaps in one with a new entry that ranks
    first for the question; before the fix the old entries were looked up with the new ranking (KeyError, 500)."""
    from assistant.app import create_app

    new_entry = "varighet"
    assistant = Assistant(index)
    before = replace(index, kb=replace(index.kb, entries=tuple(e for e in index.kb.entries if e.id != new_entry),
                                       by_id={}),
                     retriever=WithoutEntry(index.retriever, new_entry),
                     intents=SwapDuringPredict(index.intents, lambda: setattr(assistant, "index", index)))
    assistant.index = before
    client = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/log.sqlite3"},
                        assistant=assistant).test_client()

    reply = client.post("/api/ask", json={"question": "Kor lenge kan eit forsøk vare?"})
    assert reply.status_code == 200, reply.get_data(as_text=True)
    assert reply.get_json()["id"] != new_entry  # answered wholly from the index the request started with
    assert assistant.index is index  # the swap happened during the request
    reply = client.post("/api/ask", json={"question": "Kor lenge kan eit forsøk vare?"})
    assert reply.status_code == 200 and reply.get_json()["id"] == new_entry  # the next request sees the new one


def test_the_index_cannot_be_changed_in_place(index):
    with pytest.raises(FrozenInstanceError):
        index.kb = index.kb
