import statistics
import time

import pytest
import redis

from assistant.app import create_app
from assistant.dialogue import Assistant
from assistant.redis_clients import Paused, RedisCheck, guarded_pool
from assistant.sessions import MemorySessionStore, RedisSessionStore, SessionState, session_store, valid_session_id


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_memory_store_expires_after_inactivity_and_copies_state():
    clock = Clock()
    store = MemorySessionStore(ttl=60, clock=clock)
    state = SessionState(topic="varighet", lang="nn")
    store.put("abcdefgh", state)
    state.topic = "changed"
    assert store.get("abcdefgh") == SessionState(topic="varighet", lang="nn")
    clock.now += 59
    assert store.get("abcdefgh") is not None
    store.put("abcdefgh", SessionState(topic="x"))  # activity restarts the clock
    clock.now += 59
    assert store.get("abcdefgh").topic == "x"
    clock.now += 61
    assert store.get("abcdefgh") is None


def test_memory_store_drops_least_recently_used_beyond_capacity():
    store = MemorySessionStore(max_sessions=2)
    for sid in ("aaaaaaaa", "bbbbbbbb", "cccccccc"):
        store.put(sid, SessionState())
    assert store.get("aaaaaaaa") is None and store.get("cccccccc") is not None


def test_session_ids_are_validated():
    assert valid_session_id("0123456789abcdef")
    assert not valid_session_id("short") and not valid_session_id("x" * 65) and not valid_session_id("a b c d e f")


def test_follow_up_context_expires(index):
    clock = Clock()
    assistant = Assistant(index, MemorySessionStore(ttl=1800, clock=clock))
    first = assistant.ask("Kor lenge kan eit forsøk vare?")
    assert first.id == "varighet"
    assert assistant.sessions.get(first.session).topic == "varighet"
    clock.now += 1801
    assert assistant.sessions.get(first.session) is None


def test_invalid_session_or_choice_is_refused(assistant):
    with pytest.raises(ValueError, match="session"):
        assistant.ask("Hva er et forsøk?", session="bad id!")
    with pytest.raises(ValueError, match="unknown entry"):
        assistant.ask("", choice="finnes-ikke")


def test_redis_store_shares_state_and_expires(redis_url):
    store = session_store(redis_url, ttl=1)
    assert isinstance(store, RedisSessionStore)
    store.put("testsess01", SessionState(topic="varighet", lang="nn", fails=1, last_lang="nn"))
    other = RedisSessionStore(redis_url, ttl=1)  # another worker
    assert other.get("testsess01") == SessionState(topic="varighet", lang="nn", fails=1, last_lang="nn")
    assert store.client.ttl(store.prefix + "testsess01") in (0, 1)
    store.client.delete(store.prefix + "testsess01")
    assert other.get("testsess01") is None


def test_a_hung_redis_costs_one_short_timeout_then_is_left_alone(own_redis):
    store = RedisSessionStore(own_redis.url, timeout=0.05, pause=60)
    limits = redis.Redis(connection_pool=guarded_pool(own_redis.url.replace("/0", "/1"), 0.05, 60))  # the limiter
    check = RedisCheck(own_redis.url, 0.05, 60)
    store.put("hungsess01", SessionState(topic="varighet"))
    own_redis.hang()
    started = time.perf_counter()
    assert store.get("hungsess01") is None  # timed out: the conversation goes on without context
    first = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(20):
        store.put("hungsess01", SessionState())
        assert store.get("hungsess01") is None
        with pytest.raises(Paused):  # another client of the same server is held back too
            limits.incr("counter")
    paused = time.perf_counter() - started
    assert first < 0.2, f"the first call waited {first:.3f} s"
    assert paused < 0.05, f"60 calls during the pause took {paused:.3f} s"
    assert not check()  # the health check asks Redis itself, pause or not
    own_redis.resume()
    assert check()  # and its answer ends the pause at once
    assert store.get("hungsess01") == SessionState(topic="varighet")


def test_health_turns_degraded_and_ask_stays_fast_while_redis_hangs(own_redis, index, tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/log.sqlite3",
                      "RATELIMIT_STORAGE_URI": own_redis.url, "RATELIMIT_DEFAULT": "1000 per minute"},
                     assistant=Assistant(index, RedisSessionStore(own_redis.url)))
    client = app.test_client()

    def timed_ask() -> float:
        started = time.perf_counter()
        reply = client.post("/api/ask", json={"question": "Kor lenge kan eit forsøk vare?"})
        assert reply.status_code == 200 and reply.get_json()["id"] == "varighet"
        return time.perf_counter() - started

    health = client.get("/api/health").get_json()
    assert health["status"] == "ok" and health["redis"] == {"sessions": True, "rate_limits": True}
    baseline = statistics.median(timed_ask() for _ in range(5))
    own_redis.hang()
    added = [timed_ask() - baseline for _ in range(5)]
    assert max(added) < 0.2, f"a hung Redis added {[round(a, 3) for a in added]} s"
    started = time.perf_counter()
    health = client.get("/api/health").get_json()
    assert time.perf_counter() - started < 0.5
    assert health["status"] == "degraded" and health["redis"] == {"sessions": False, "rate_limits": False}
    own_redis.resume()
    assert client.get("/api/health").get_json()["status"] == "ok"


def test_a_new_conversation_costs_the_store_no_read(index):
    """Only a conversation that goes on is looked up (one Redis round trip less for every first question)."""
    class Counting(MemorySessionStore):
        reads = 0

        def get(self, session):
            Counting.reads += 1
            return super().get(session)

    assistant = Assistant(index, Counting())
    first = assistant.ask("Hvor lenge kan et forsøk vare?")
    assert Counting.reads == 0
    assert assistant.ask("og kan det forlenges?", session=first.session).id == "forlengelse"
    assert Counting.reads == 1


def test_an_unchanged_conversation_is_not_written_back(index):
    """Reading a state restarts its clock, so only a message that changes it costs the store a write."""
    writes = []

    class Counting(MemorySessionStore):
        def put(self, session, state):
            writes.append(SessionState(**vars(state)))
            super().put(session, state)

    clock = Clock()
    assistant = Assistant(index, Counting(ttl=60, clock=clock))
    first = assistant.ask("Hvor lenge kan et forsøk vare?")
    assert writes == [SessionState(topic="varighet", last_lang="nb")]
    for _ in range(3):  # the same question again: the same state, read (and kept alive) but not written
        clock.now += 50
        assert assistant.ask("Hvor lenge kan et forsøk vare?", session=first.session).id == "varighet"
    assert len(writes) == 1
    assert assistant.ask("og kan det forlenges?", session=first.session).id == "forlengelse"
    assert writes[1:] == [SessionState(topic="forlengelse", last_lang="nb")]


def test_redis_store_read_restarts_the_inactivity_clock(redis_url):
    store = RedisSessionStore(redis_url, ttl=100)
    store.put("testsess02", SessionState(topic="varighet"))
    store.client.expire(store.prefix + "testsess02", 5)
    assert store.get("testsess02") == SessionState(topic="varighet")
    assert store.client.ttl(store.prefix + "testsess02") > 90
    store.client.delete(store.prefix + "testsess02")
