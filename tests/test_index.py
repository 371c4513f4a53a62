import shutil
from pathlib import Path

import pytest
from threadpoolctl import threadpool_info

from assistant.index import IndexLoadError, build_index, content_hash, load_index, load_or_build, save_index

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def small_root(tmp_path):
    """A copy of the repository's content to change freely."""
    for folder in ("faq", "corpus", "eval"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def test_hash_follows_the_content(small_root):
    before = content_hash(small_root)
    assert content_hash(small_root) == before
    path = next((small_root / "faq").glob("*.yaml"))
    path.write_text(path.read_text(encoding="utf-8") + "\n# endret\n", encoding="utf-8")
    assert content_hash(small_root) != before


def test_saved_index_loads_and_answers_the_same(index, tmp_path):
    path = save_index(index, tmp_path)
    assert path.parent.name == index.content_hash
    loaded = load_index(path)
    assert loaded.content_hash == index.content_hash
    assert loaded.calibration.threshold == index.calibration.threshold
    question = "Kor lenge kan eit forsøk vare?"
    ours, theirs = index.retriever.candidates(question)[0], loaded.retriever.candidates(question)[0]
    assert [c.id for c in ours] == [c.id for c in theirs]


def test_missing_or_corrupt_index_gives_a_clear_error(tmp_path):
    with pytest.raises(IndexLoadError, match="Fant ingen indeks"):
        load_index(tmp_path / "nothing" / "index.joblib")
    bad = tmp_path / "index.joblib"
    bad.write_bytes(b"not a pickle at all")
    with pytest.raises(IndexLoadError, match="skadet"):
        load_index(bad)


def test_load_or_build_rebuilds_a_corrupt_index(index, tmp_path, monkeypatch):
    path = save_index(index, tmp_path)
    path.write_bytes(b"garbage")
    monkeypatch.setattr("assistant.index.content_hash", lambda root, settings=None: index.content_hash)
    built = []

    def build(root, settings=None, progress=None):  # a build of the whole content takes a minute: stand in for it
        built.append(root)
        return index

    monkeypatch.setattr("assistant.index.build_index", build)
    rebuilt = load_or_build(ROOT, tmp_path)
    assert built == [ROOT] and rebuilt.content_hash == index.content_hash
    assert load_index(path).content_hash == index.content_hash


def test_the_build_fits_with_one_blas_and_openmp_thread(monkeypatch):
    seen = []
    monkeypatch.setattr("assistant.index._build_index",
                        lambda root, settings, progress: seen.append({p["num_threads"] for p in threadpool_info()}))
    build_index(ROOT)
    assert seen == [{1}]
