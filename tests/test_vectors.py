"""The hot path's own vectors and scores give scikit-learn's numbers, and a question is analysed once."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from assistant.query import analyse
from assistant.retrieval import CharTfidfRetriever, WordTfidfRetriever, content_text
from assistant.text import TextPipeline
from assistant.vectors import (
    CharTfidfVectorizer,
    Postings,
    SharedGrams,
    SparseVector,
    TermSpace,
    char_wb_ngrams,
    word_ngrams,
)

TEXTS = ["Hvor lenge kan et forsøk vare?", "Kor lenge varer eit forsøk?", "Hva var søknadsfristen?",
         "Får kommunen tilskudd?", "Hvem kan søke?", "Kan fylkeskommunen søkje om forsøk på tvers av sektorar?"]
QUESTIONS = ["kor lenge kan forsøket vare", "søknadsfrist", "xyzzy", "", "Hei! Kva kan kommunane søkje om?",
             "a b", "fylkeskommune fylkeskommune forsøk", "   mellomrom\t og\nlinjeskift  "]


def test_char_and_word_ngrams_are_scikit_learns():
    for ngram_range in [(2, 5), (2, 4), (1, 1), (3, 3)]:
        char = TfidfVectorizer(analyzer="char_wb", ngram_range=ngram_range, lowercase=False).build_analyzer()
        word = TfidfVectorizer(ngram_range=ngram_range, lowercase=False, tokenizer=str.split,
                               token_pattern=None).build_analyzer()
        for text in QUESTIONS + TEXTS:
            assert char_wb_ngrams(text, ngram_range) == char(text)
            assert word_ngrams(text.split(), ngram_range) == word(text)


@pytest.mark.parametrize("preprocessor", [None, str.upper])
def test_the_char_vectoriser_fits_scikit_learns_vocabulary_weights_and_rows(preprocessor):
    """Its own n-grams (each word's made once) give scikit-learn's vectoriser exactly, repeated words included."""
    texts = TEXTS + QUESTIONS + ["forsøk forsøk forsøket", "x"]
    kwargs = {"analyzer": "char_wb", "ngram_range": (2, 4), "sublinear_tf": True, "preprocessor": preprocessor}
    ours, theirs = CharTfidfVectorizer(**kwargs), TfidfVectorizer(**kwargs)
    rows, expected = ours.fit_transform(texts), theirs.fit_transform(texts)
    assert ours.vocabulary_ == theirs.vocabulary_ and np.array_equal(ours.idf_, theirs.idf_)
    assert np.array_equal(rows.indptr, expected.indptr) and np.array_equal(rows.indices, expected.indices)
    assert np.array_equal(rows.data, expected.data)
    assert (ours.transform(QUESTIONS) != theirs.transform(QUESTIONS)).nnz == 0
    with pytest.raises(ValueError, match="char_wb"):
        CharTfidfVectorizer(analyzer="word").fit(texts)


@pytest.mark.parametrize("make", [WordTfidfRetriever, CharTfidfRetriever])
def test_question_vectors_and_scores_equal_the_vectoriser_and_the_matrix_product(make):
    retriever = make().fit(TEXTS, [str(i) for i in range(len(TEXTS))])
    for question in QUESTIONS:
        expected = retriever.vectorizer_.transform([question])
        ours = retriever.vector(question)
        np.testing.assert_allclose(ours.dense(expected.shape[1]), expected.toarray()[0], atol=1e-12)
        products = (retriever.matrix_ @ expected.T).toarray().ravel()
        np.testing.assert_allclose(retriever.postings_.scores(ours), products, atol=1e-12)


def test_shared_grams_give_each_space_its_own_vector():
    spaces = [TermSpace(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True).fit(texts))
              for texts in (TEXTS[:3], TEXTS[2:], TEXTS)]
    shared = SharedGrams(spaces)
    for question in QUESTIONS:
        grams = char_wb_ngrams(question, (2, 5))
        for space, vector in zip(spaces, shared.vectors(grams), strict=True):
            alone = space.vector(grams)
            assert vector.indices.tolist() == alone.indices.tolist()
            np.testing.assert_array_equal(vector.values, alone.values)


def test_postings_of_an_empty_question_score_zero():
    postings = Postings(sp.csr_matrix(np.eye(3)))
    assert postings.scores(SparseVector(np.zeros(0, dtype=np.intp), np.zeros(0))).tolist() == [0.0, 0.0, 0.0]


def test_the_analysis_is_the_text_pipelines_and_is_shared():
    pipeline = TextPipeline()
    for text in QUESTIONS + TEXTS:
        query = analyse(text)
        assert list(query.terms) == pipeline.terms(text)
        assert query.canonical == pipeline.canonical(text)
        assert query.content == content_text(pipeline, text)
    assert analyse("Kor lenge varer eit forsøk?") is analyse("Kor lenge varer eit forsøk?")


def test_intent_and_malform_probabilities_equal_predict_proba(index):
    for question in QUESTIONS + TEXTS + ["takk for hjelpa", "kan eg snakke med nokon?"]:
        expected = index.intents.model_.predict_proba([question])[0]
        np.testing.assert_allclose(index.intents.probabilities(question), expected, atol=1e-12)
        proba = index.malform.probabilities(question)
        expected = dict(zip(index.malform.model_.classes_, index.malform.model_.predict_proba([question])[0],
                            strict=True))
        assert proba == pytest.approx(expected, abs=1e-12)


def test_answerability_equals_its_models_probability(index):
    answerability = index.retriever.answerability_
    for question in QUESTIONS + TEXTS + ["når blir søpla hentet", "qwerty", "1", ""]:
        assert answerability.probability(question) == pytest.approx(answerability.model_.probability(question),
                                                                    abs=1e-12)
        assert answerability.probability(analyse(question)) == answerability.probability(question)


def test_the_entry_classifier_equals_its_model(index):
    classifier = index.retriever.clf_
    for question in QUESTIONS:
        features = sp.hstack([r.vectorizer_.transform([question]) for r in classifier.retrievers_], format="csr")
        logits = features @ classifier.model_.weights + classifier.model_.intercept
        expected = np.exp(logits - logits.max())
        expected = (expected / expected.sum())[0][classifier._columns]
        np.testing.assert_allclose(classifier.scores(question), expected, atol=1e-12)


def test_fuzzy_matching_on_a_shortlist_scores_those_entries_as_in_full(index):
    fuzzy = index.retriever.q_fuzzy_
    keys = np.array([0, 5, 7, 40])
    for question in ["Kor lenge kan eit forsøk vare?", "soknadsfrist", "tilskot"]:
        full, some = fuzzy.scores(question), fuzzy.scores_among(question, keys)
        np.testing.assert_array_equal(some[keys], full[keys])
        assert not np.delete(some, keys).any()


@pytest.mark.parametrize("budget", [0, 3, 10, 10**6])
def test_a_question_split_by_its_terms_postings_scores_the_same_in_its_two_parts(budget):
    retriever = CharTfidfRetriever().fit(TEXTS, [str(i) for i in range(len(TEXTS))])
    postings = retriever.postings_
    for question in QUESTIONS:
        vector = retriever.vector(question)
        rare, rest = postings.split(vector, budget)
        lengths = np.diff(postings.terms.indptr)
        assert lengths[rare.indices].sum() <= budget or not len(rest.indices)
        assert sorted([*rare.indices.tolist(), *rest.indices.tolist()]) == vector.indices.tolist()
        rows = np.array([0, 2, 5])
        np.testing.assert_allclose(postings.scores(rare)[rows] + postings.row_scores(rest, rows),
                                   postings.scores(vector)[rows], atol=1e-12)


def test_partial_scores_are_exact_within_the_budget_and_a_lower_bound_completed_for_some_keys():
    keys = ["varighet", "varighet", "frist", "tilskudd", "hvem", "fylke"]
    retriever = CharTfidfRetriever().fit(TEXTS, keys)
    vector = retriever.vector("kor lenge kan forsøket vare")
    exact = retriever.scores_of(vector)
    within = retriever.partial_scores(vector, 10**6)
    assert within.exact and np.array_equal(within.scores, exact)
    partial = retriever.partial_scores(vector, 5)
    assert not partial.exact and np.all(partial.scores <= exact + 1e-12)
    completed = partial.completed(np.array([0, 2]))
    np.testing.assert_allclose(completed[[0, 2]], exact[[0, 2]], atol=1e-12)
    assert np.array_equal(completed[[1, 3, 4]], partial.scores[[1, 3, 4]])
