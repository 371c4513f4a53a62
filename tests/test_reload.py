import json
import logging
from dataclasses import replace

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
