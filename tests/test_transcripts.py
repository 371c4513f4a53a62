"""The no-JS page's conversations on the server: masked, bounded, expiring, in memory or Redis."""

from assistant.transcripts import MAX_EXCHANGES, MemoryTranscriptStore, exchange, transcript_store

REPLY = {"answer": "Svar", "lang": "nb", "source": None, "contact": None, "reply_id": "a" * 32, "intent": None,
         "fallback": False, "id": "varighet", "suggestions": [], "refer_to": None, "session": "s" * 32,
         "question": "Hvem kan søke? Ring 912 34 567", "confidence": 0.9}


def test_an_exchange_is_masked_and_keeps_only_what_the_page_shows():
    item = exchange("Hvem kan søke? Ring meg på 912 34 567", REPLY)
    assert "912 34 567" not in item["question"] and "Hvem kan søke?" in item["question"]
    assert set(item["reply"]) == {"answer", "lang", "source", "contact", "reply_id", "intent", "fallback", "id",
                                  "suggestions", "refer_to"}


def test_memory_store_keeps_the_newest_exchanges_and_forgets_after_the_ttl():
    now = [0.0]
    store = MemoryTranscriptStore(ttl=60, max_sessions=2, clock=lambda: now[0])
    for n in range(MAX_EXCHANGES + 3):
        store.append("s1", {"n": n})
    assert [item["n"] for item in store.get("s1")] == list(range(3, MAX_EXCHANGES + 3))
    store.append("s2", {"n": 0})
    store.append("s3", {"n": 0})  # the least recently used conversation goes
    assert store.get("s1") == [] and store.get("s3") == [{"n": 0}]
    now[0] = 61
    assert store.get("s3") == []


def test_redis_store_is_shared_and_expires(redis_url):
    store, other = transcript_store(redis_url, ttl=60), transcript_store(redis_url, ttl=60)
    store.client.delete(store.prefix + "t" * 32)
    store.append("t" * 32, exchange("Hvem kan søke?", REPLY))
    assert other.get("t" * 32)[0]["question"] == "Hvem kan søke?"
    assert 0 < store.client.ttl(store.prefix + "t" * 32) <= 60
    assert transcript_store(None).get("t" * 32) == []  # the default is in memory, per process
