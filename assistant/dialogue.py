"""From a message to a :class:`~assistant.reply.Reply`: intents, follow-ups, clarification, fallback.

The order of decisions for one message:

1. a chosen suggestion (``choice``) is answered directly;
2. a request to switch målform is remembered for the session and confirmed (or, when the message is also a
   likely question, "... på nynorsk?", answered in the new målform);
3. retrieval: a confident answer wins over small talk ("Hei, kor lenge kan eit forsøk vare?" is
   answered, the greeting folded in) unless the intent model is surer still ("Kva kan du hjelpe
   meg med?"); a short follow-up ("og kan det forlengast?") is also tried together with the
   session's topic; two plausible entries whose phrasings both use every word of the question
   are not answered but offered (step 6), however confident the ranking. Between the hedge
   threshold and the answer threshold the answer says which question it answers ("Jeg tror du
   spør om «...»:"). A message without one known word ("1", "x", "asdfgh") is junk: never
   answered, never offered;
4. small talk (greeting, thanks, contact, ...) gets its reply;
5. English gets a short English note, with the best Norwegian answer when one is confident;
6. two or three entries too close to call: "Meinte du ...?" with them as suggestions;
7. no entry, but a page passage in the reply's målform that clearly fits: that passage, short,
   with its page named and linked;
8. a message that looks like one about the scheme whose best entry is plausible but not sure:
   "Meinte du ...?" with the best entries, the first one first;
9. otherwise the honest fallback with Kommunalavdelingen's contact details, and after two
   fallbacks in a row the contact card leads.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import messages
from .calibration import Calibration
from .config import build_dir, content_root
from .index import Index, Progress, load_or_build
from .intents import NONE, looks_english
from .knowledge import LANGS, Entry
from .messages import CONTACT, fallback_text
from .reply import Reply, Suggestion
from .retrieval import Candidate, PassageHit
from .sessions import MemorySessionStore, SessionState, SessionStore, new_session_id, valid_session_id
from .text import normalize, tokenize

_OPENER = re.compile(r"(?<=[,.!?:;])\s+")
#: The målform named in a request to switch ("... på nynorsk?"): what the request asks, not what the question is about.
_MALFORM_NAMES = re.compile(r"\b(?:på\s+)?(?:nynorsk|bokmål|bokmal)\b", re.IGNORECASE)


@dataclass(frozen=True)
class DialoguePolicy:
    """Every number and word list the dialogue decides by, in one place (what is said is in
    :mod:`assistant.messages`, which intent does what in the intents' YAML flags, which entries are offered in
    ``faq/_meta.yaml``).

    Word counts are of the message's tokens (:func:`assistant.text.tokenize` after normalising); scores are the
    calibration's fused scores; probabilities are models' probabilities.
    """

    #: Small talk is answered at once, before retrieval, when the intent model is at least this sure ...
    small_talk_probability: float = 0.8
    #: ... and the message, without a leading opener, has at most this many words ("Hei", "takk skal du ha").
    small_talk_words: int = 4
    #: A leading greeting or acknowledgement ("Hei!", "Ok,") split off a question has at most this many words.
    opener_words: int = 3
    #: A message of more words than this, without a follow-up marker, is not read together with the
    #: conversation's topic.
    follow_up_words: int = 5
    #: Follow-up markers: how a follow-up starts (normalised text) ...
    follow_up_openers: tuple[str, ...] = ("og ", "men ", "så ", "då ", "da ", "kva med", "hva med", "enn ", "kva då",
                                          "hva da")
    #: ... or the word it ends with ("og kan det forlengast då?").
    follow_up_tails: frozenset[str] = frozenset({"då", "da", "også", "òg", "og"})
    #: Acknowledgements split off a question like an opener ("Ok, men når er fristen?").
    acknowledgements: frozenset[str] = frozenset({"ok", "okei", "ja", "nei", "greitt", "flott", "supert", "fint"})
    #: A follow-up is retried with the first 1, 2, ... this many key words of the conversation's topic.
    topic_terms: int = 2
    #: How near (in fused score) the runner-up may come before two entries are too close to call.
    close_call: float = 0.12
    #: The lowest fused score for an entry to be suggested.
    suggest_floor: float = 0.25
    #: At most this many suggestions in a reply.
    max_suggestions: int = 3
    #: A top entry whose share of unknown question words reaches this is never a close call.
    unknown_share: float = 0.5
    #: A page passage answers, and a fallback offers the best entries whatever their score, only for a
    #: question at least this likely to be about the scheme (:mod:`assistant.answerability`).
    answerable_floor: float = 0.5
    #: A passage answer quotes at most this many sentences of the passage.
    passage_sentences: int = 2
    #: After this many fallbacks in a row the reply leads with the contact card (intent ``repeated_fallback``).
    repeated_fallbacks: int = 2


@dataclass(frozen=True)
class Ranking:
    """Ranked candidates for one text and the confidence in the top one."""

    candidates: list[Candidate]
    confidence: float
    passages: list[PassageHit] = field(default_factory=list)

    @property
    def top(self) -> Candidate | None:
        """The best candidate, if any."""
        return self.candidates[0] if self.candidates else None

    @property
    def junk(self) -> bool:
        """Whether the text has no word the index knows (bare numbers, single letters, keyboard mash)."""
        return self.top is None or self.top.features["known_words"] == 0

    @property
    def answerable(self) -> float:
        """The answerability model's probability that the text is about the scheme."""
        return self.top.features["answerable"] if self.top else 0.0


@dataclass
class Assistant:
    """Holds conversations over a built :class:`~assistant.index.Index`, deciding by ``policy``."""

    index: Index
    sessions: SessionStore = field(default_factory=MemorySessionStore)
    policy: DialoguePolicy = field(default_factory=DialoguePolicy)

    @property
    def calibration(self) -> Calibration:
        """The index's calibration (fusion weights, confidence model, threshold)."""
        return self.index.calibration

    def rank(self, text: str, context: str | None = None) -> Ranking:
        """Retrieve and rank the entries for ``text``.

        ``context`` is the conversation so far (the topic's question): a follow-up such as "kva med
        tilskot?" is about the scheme when the conversation is, so its answerability is the higher of
        the message's own and that of the message read with its context.
        """
        candidates, passages = self.index.retriever.candidates(text)
        if context and candidates:
            answerable = max(candidates[0].features["answerable"],
                             self.index.retriever.answerability_.probability(f"{context} {text}"))
            candidates = [replace(c, features={**c.features, "answerable": answerable}) for c in candidates]
        ranked = self.calibration.rank(candidates)
        return Ranking(ranked, self.calibration.confidence(ranked), passages)

    def confident(self, ranking: Ranking) -> bool:
        """Whether ``ranking``'s top entry is trusted enough to answer outright."""
        return not ranking.junk and ranking.confidence >= self.calibration.threshold

    def likely(self, ranking: Ranking) -> bool:
        """Whether ``ranking``'s top entry is likely enough to answer with a hedge ("Jeg tror du spør om ...")."""
        return not ranking.junk and ranking.confidence >= self.calibration.hedge_threshold

    # -- the conversation -------------------------------------------------------------------

    def snapshot(self) -> Assistant:
        """This assistant pinned to the index it holds now: an index swapped in later is not seen by it.

        The index is frozen and replaced whole (:mod:`assistant.reload`, publishing), so the snapshot reads
        one consistent index however often it looks; the session store is shared.
        """
        return copy.copy(self)

    def ask(self, question: str, lang: str | None = None, session: str | None = None,
            choice: str | None = None) -> Reply:
        """Answer one message of a conversation, from one :meth:`snapshot` of the index taken here.

        ``lang`` forces the målform; ``session`` continues a conversation (a new one is started
        when it is None or expired); ``choice`` is the id of a suggestion the visitor picked.
        """
        pinned = self.snapshot()
        if lang is not None and lang not in LANGS:
            raise ValueError(f"unknown målform {lang!r}")
        if session is not None and not valid_session_id(session):
            raise ValueError("invalid session id")
        if choice is not None and choice not in pinned.index.kb.by_id:
            raise ValueError(f"unknown entry {choice!r}")
        if choice is None and (not question or not question.strip()):
            raise ValueError("empty question")
        # A new conversation has nothing stored yet: no store round trip for it.
        stored = self.sessions.get(session) if session is not None else None
        state = replace(stored) if stored is not None else SessionState()
        session = session or new_session_id()
        reply = pinned._respond(question or "", lang, state, choice)
        if reply.intent != "english":
            state.last_lang = reply.lang
        if state != stored:  # an unchanged state stays as it is: reading it restarted its inactivity clock
            self.sessions.put(session, state)
        return replace(reply, session=session)

    def _respond(self, question: str, lang: str | None, state: SessionState, choice: str | None) -> Reply:
        entries = self.index.kb.by_id
        detected = self.index.malform.predict(question, prior=state.last_lang) if question else None
        reply_lang = lang or state.lang or detected or state.last_lang or "nb"
        if choice is not None:
            return self._answer(question or entries[choice].part(reply_lang).questions[0], entries[choice],
                                reply_lang, 1.0, [], state)
        policy = self.policy
        intent, probability = self.index.intents.predict(question)
        switch_to = self.index.intents.intents[intent].switch_to if intent != NONE else None
        if switch_to:
            # "Kan du gje meg ei kort oppsummering av ordninga på nynorsk?" asks for an answer too: the målform is
            # switched, and a message that is also a likely question goes on to be answered in it.
            state.lang = reply_lang = switch_to
            rest = _MALFORM_NAMES.sub(" ", question)
            if not self.likely(self.rank(rest)):
                return self._intent(question, intent, state.lang, state)
            intent, probability = NONE, 0.0  # the switch is kept; the rest of the message is the question
        else:
            rest = question
        opener, body = self._split_opener(rest)
        if (intent != NONE and probability >= policy.small_talk_probability and not opener
                and len(tokenize(normalize(body))) <= policy.small_talk_words):
            return self._intent(question, intent, reply_lang, state)
        english = looks_english(question)
        ranking = self._rank_with_context(body, state)
        indistinct = self._indistinct(body, ranking)
        # Small talk wins over an answer unless the message alone (without the topic's help) ranks surer.
        own = ranking if state.topic is None or intent == NONE else self.rank(body)
        small_talk = intent != NONE and probability > own.confidence
        if self.likely(ranking) and not english and not small_talk and len(indistinct) < 2:
            entry = entries[ranking.top.id]
            prefix = messages.greeting_prefix(reply_lang) if opener == "greeting" else ""
            if not self.confident(ranking):
                prefix = f"{prefix} {messages.hedge_text(reply_lang, entry.part(reply_lang).questions[0])}"
            return self._answer(question, entry, reply_lang, ranking.confidence, ranking.candidates, state,
                                prefix=prefix, hedged=not self.confident(ranking))
        if english:
            return self._english(question, ranking, state)
        if intent != NONE:
            return self._intent(question, intent, reply_lang, state)
        close = indistinct if len(indistinct) >= 2 else self._close_calls(ranking)
        if len(close) >= 2 and not ranking.junk:
            return self._clarify(question, close, reply_lang, ranking, state)
        passage = self._passage(ranking, reply_lang)
        if passage is not None:
            return self._passage_answer(question, passage, reply_lang, ranking, state)
        if self._about_scheme(ranking) and ranking.top.score >= policy.suggest_floor:
            # Likely about the scheme, plausibly one of the best entries, not sure enough to answer:
            # offer them, the best first, one click away, instead of "I don't know".
            return self._clarify(question, self._plausible(ranking, every=True), reply_lang, ranking, state)
        return self._fallback(question, reply_lang, ranking, state)

    # -- steps ------------------------------------------------------------------------------

    def _split_opener(self, question: str) -> tuple[str | None, str]:
        """Split off a leading greeting or acknowledgement ("Hei!", "Ok,"): (its kind, the rest)."""
        parts = _OPENER.split(question.strip(), maxsplit=1)
        if len(parts) < 2 or not parts[1].strip() or len(tokenize(normalize(parts[0]))) > self.policy.opener_words:
            return None, question
        intent, _ = self.index.intents.predict(parts[0])
        if intent != NONE and self.index.intents.intents[intent].opener:
            return intent, parts[1]
        if " ".join(tokenize(normalize(parts[0]))) in self.policy.acknowledgements:
            return "acknowledgement", parts[1]
        return None, question

    def _rank_with_context(self, question: str, state: SessionState) -> Ranking:
        """Rank ``question``; a follow-up is also ranked together with the conversation's topic.

        The topic's key words (one, then two) are added to the message when it reads as a follow-up
        ("og ...", "kva med ...", "... då?"), or when it is short, not confidently answered alone and
        uses only words the knowledge base knows; that wins when it leads confidently to another
        entry than the topic itself.
        """
        topic = self.index.kb.by_id.get(state.topic) if state.topic else None
        if topic is None:
            return self.rank(question)
        alone = self.rank(question, context=topic.nb.questions[0])
        if not self._follow_up_marker(question):
            known = self.index.retriever.vocabulary_.unknown_share(question) == 0.0
            if self.confident(alone) or not known or len(tokenize(normalize(question))) > self.policy.follow_up_words:
                return alone
        terms = self.index.retriever.key_terms_.get(topic.id, [])
        for k in range(1, self.policy.topic_terms + 1):
            combined = self.rank(" ".join([*terms[:k], question]))
            if self.confident(combined) and combined.top.id != topic.id:
                return combined
        return alone

    def _follow_up_marker(self, question: str) -> bool:
        text = normalize(question)
        words = tokenize(text)
        policy = self.policy
        return text.startswith(policy.follow_up_openers) or bool(words and words[-1] in policy.follow_up_tails)

    def _close_calls(self, ranking: Ranking) -> list[str]:
        top = ranking.top
        policy = self.policy
        if top is None or top.score < policy.suggest_floor or top.features.get("unknown", 0.0) >= policy.unknown_share:
            return []
        return self._near_top(ranking.candidates)

    def _indistinct(self, question: str, ranking: Ranking) -> list[str]:
        """The plausible first candidates, led by the top one, that the question's words do not tell apart."""
        plausible = self._plausible(ranking)
        ids = self.index.retriever.indistinct(question, plausible)
        return ids if ids and ids[0] == plausible[0] else []

    def _near_top(self, ranked: list[Candidate]) -> list[str]:
        """Ids among the first candidates within ``close_call`` of the best one (itself included)."""
        if not ranked:
            return []
        policy = self.policy
        return [c.id for c in ranked[: policy.max_suggestions]
                if ranked[0].score - c.score <= policy.close_call and c.score >= policy.suggest_floor]

    def _suggestions(self, ids: list[str], lang: str) -> tuple[Suggestion, ...]:
        entries = self.index.kb.by_id
        return tuple(Suggestion(id=i, question=entries[i].part(lang).questions[0]) for i in ids if i in entries)

    def _answer(self, question: str, entry: Entry, lang: str, confidence: float, ranked: list[Candidate],
                state: SessionState, prefix: str = "", hedged: bool = False) -> Reply:
        state.topic, state.fails = entry.id, 0
        ids = [i for i in dict.fromkeys([*self._near_top(ranked), *entry.related]) if i != entry.id]
        ids = ids[: self.policy.max_suggestions]
        answer = f"{prefix.strip()} {entry.part(lang).answer}".strip()
        return Reply(question=question, answer=answer, lang=lang, confidence=confidence, fallback=False,
                     source_url=entry.source.url, source_title=entry.source.title, id=entry.id,
                     suggestions=self._suggestions(ids, lang), intent="hedged" if hedged else None,
                     contact=entry.contact)

    def _plausible(self, ranking: Ranking, every: bool = False) -> list[str]:
        """The first candidates' ids whose fused score reaches ``suggest_floor`` (all of them when ``every``)."""
        policy = self.policy
        return [c.id for c in ranking.candidates[: policy.max_suggestions]
                if every or c.score >= policy.suggest_floor]

    def _about_scheme(self, ranking: Ranking) -> bool:
        """Whether the message looks like a question about the scheme (answerability at the floor, not junk)."""
        return not ranking.junk and ranking.answerable >= self.policy.answerable_floor

    def _clarify(self, question: str, ids: list[str], lang: str, ranking: Ranking, state: SessionState) -> Reply:
        """ "Mente du ...?" with ``ids`` as suggestions."""
        state.fails = 0
        return Reply(question=question, answer=messages.clarify_text(lang), lang=lang, confidence=ranking.confidence,
                     fallback=False, intent="clarify", suggestions=self._suggestions(ids, lang))

    def _passage(self, ranking: Ranking, lang: str) -> PassageHit | None:
        """The best passage in målform ``lang`` when it clearly fits a question about the scheme."""
        if not self._about_scheme(ranking):
            return None
        hits = [h for h in ranking.passages if h.passage.lang == lang]
        return hits[0] if hits and hits[0].score >= self.calibration.passage_threshold else None

    def _passage_answer(self, question: str, hit: PassageHit, lang: str, ranking: Ranking,
                        state: SessionState) -> Reply:
        state.fails = 0
        sentences = re.split(r"(?<=[.!?])\s+(?=[A-ZÆØÅ§«0-9])", hit.passage.text)
        quote = " ".join(sentences[: self.policy.passage_sentences])
        answer = f"{messages.passage_intro(lang, hit.passage.page_title)} {quote}"
        return Reply(question=question, answer=answer, lang=lang, confidence=hit.score, fallback=False,
                     source_url=hit.passage.page_url, source_title=hit.passage.page_title,
                     suggestions=self._suggestions(self._plausible(ranking), lang), intent="passage")

    def _intent(self, question: str, intent: str, lang: str, state: SessionState) -> Reply:
        state.fails = 0
        flags = self.index.intents.intents[intent]
        contact = flags.contact
        suggestions = self._suggestions(list(self.index.kb.meta.small_talk_suggestions), lang) if flags.suggest else ()
        return Reply(question=question, answer=self.index.intents.reply(intent, lang), lang=lang, confidence=1.0,
                     fallback=False, source_url=CONTACT["url"] if contact else None,
                     source_title=CONTACT["title"] if contact else None, suggestions=suggestions, intent=intent,
                     contact=contact)

    def _english(self, question: str, ranking: Ranking, state: SessionState) -> Reply:
        entries = self.index.kb.by_id
        if self.confident(ranking):
            entry = entries[ranking.top.id]
            state.topic, state.fails = entry.id, 0
            return Reply(question=question, answer=f"{messages.english_note(with_best=True)} {entry.nb.answer}",
                         lang="nb", confidence=ranking.confidence, fallback=False, source_url=entry.source.url,
                         source_title=entry.source.title, id=entry.id, intent="english", contact=True)
        return Reply(question=question, answer=messages.english_note(), lang="nb", confidence=ranking.confidence,
                     fallback=True, source_url=CONTACT["url"], source_title=CONTACT["title"], intent="english",
                     contact=True)

    def _fallback(self, question: str, lang: str, ranking: Ranking, state: SessionState) -> Reply:
        """"I don't know", with the best entries offered when the question looks like one about the scheme."""
        state.fails += 1
        near = [] if ranking.junk else self._plausible(ranking, every=self._about_scheme(ranking))
        if state.fails >= self.policy.repeated_fallbacks:
            text, intent = messages.repeated_failure_text(lang), "repeated_fallback"
        else:
            text, intent = fallback_text(lang, with_suggestions=bool(near)), None
        return Reply(question=question, answer=text, lang=lang, confidence=ranking.confidence, fallback=True,
                     source_url=CONTACT["url"], source_title=CONTACT["title"],
                     suggestions=self._suggestions(near, lang), intent=intent, contact=True)


def open_assistant(root: Path | None = None, build: Path | None = None,
                   progress: Progress | None = None, sessions: SessionStore | None = None) -> Assistant:
    """An :class:`Assistant` for the content under ``root``, building its index first if needed."""
    root = root or content_root()
    index = load_or_build(root, build or build_dir(root), progress=progress or (lambda *_: None))
    return Assistant(index, sessions or MemorySessionStore())
