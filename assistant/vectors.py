"""Question vectors and scores on the hot path, from models that scikit-learn fitted.

scikit-learn fits the TF-IDF vectorisers and logistic regressions; turning one question into a
vector with ``transform`` costs far more in input validation than in arithmetic. The functions
here compute the same numbers from the fitted ``vocabulary_`` and ``idf_`` (n-grams made exactly
as scikit-learn makes them), keep a question's vector as (indices, values) and score it with a
row-normalised CSR matrix times a dense vector, or with the fitted coefficients.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from scipy.sparse import _sparsetools
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

_WHITE_SPACES = re.compile(r"\s\s+")


@lru_cache(maxsize=200_000)
def _padded_word_ngrams(word: str, min_n: int, max_n: int) -> tuple[str, ...]:
    """The character n-grams of one word padded with a space (a short word once, for the first n that covers it)."""
    padded = f" {word} "
    length = len(padded)
    grams: list[str] = []
    for n in range(min_n, max_n + 1):
        if length <= n:
            grams.append(padded)
            break
        grams.extend(padded[i:i + n] for i in range(length - n + 1))
    return tuple(grams)


def char_wb_ngrams(text: str, ngram_range: tuple[int, int]) -> list[str]:
    """Character n-grams inside word boundaries, padded with a space: scikit-learn's ``char_wb`` analyser.

    Each word's n-grams are made once (cached): words recur in every text and question.
    """
    min_n, max_n = ngram_range
    grams: list[str] = []
    for word in _WHITE_SPACES.sub(" ", text).split():
        grams.extend(_padded_word_ngrams(word, min_n, max_n))
    return grams


class CharTfidfVectorizer(TfidfVectorizer):
    """scikit-learn's :class:`TfidfVectorizer` with ``analyzer="char_wb"``, its n-grams made by :func:`char_wb_ngrams`.

    The same n-grams in the same order, so the same vocabulary, weights and rows; fitting the vectorisers of the
    index (phrasings, entries, passages, the answerability, målform and intent models) analysed ~15,000 texts
    character by character in scikit-learn's Python loop.
    """

    def build_analyzer(self) -> Callable[[str], list[str]]:
        """The analyser: decode, preprocess, then :func:`char_wb_ngrams`."""
        if self.analyzer != "char_wb":
            raise ValueError("CharTfidfVectorizer makes char_wb n-grams only")
        decode, preprocess, ngram_range = self.decode, self.build_preprocessor(), self.ngram_range
        return lambda doc: char_wb_ngrams(preprocess(decode(doc)), ngram_range)


def word_ngrams(tokens: Sequence[str], ngram_range: tuple[int, int]) -> list[str]:
    """Word n-grams joined by a space, unigrams first: scikit-learn's word analyser after tokenising."""
    min_n, max_n = ngram_range
    grams: list[str] = []
    for n in range(min_n, min(max_n, len(tokens)) + 1):
        grams.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return grams


@dataclass
class SparseVector:
    """A question's TF-IDF row: the column indices (ascending) and their values."""

    indices: np.ndarray
    values: np.ndarray

    def dense(self, size: int) -> np.ndarray:
        """The vector as a dense array of ``size`` columns."""
        out = np.zeros(size)
        out[self.indices] = self.values
        return out

    def shifted(self, offset: int) -> SparseVector:
        """The same vector with every column moved ``offset`` to the right (for stacked features)."""
        return SparseVector(self.indices + offset, self.values)

    @staticmethod
    def concat(vectors: Iterable[SparseVector]) -> SparseVector:
        """Vectors over disjoint column ranges, in order, as one."""
        parts = list(vectors)
        return SparseVector(np.concatenate([v.indices for v in parts]), np.concatenate([v.values for v in parts]))


class TermSpace:
    """A fitted :class:`TfidfVectorizer`'s vocabulary and weighting, applied to n-grams already made.

    Gives the same vector as ``vectorizer.transform([text])`` (to float rounding) when handed the
    n-grams its analyser would make of ``text``.
    """

    def __init__(self, vectorizer: TfidfVectorizer):
        if vectorizer.norm not in ("l2", None) or not vectorizer.use_idf:
            raise ValueError("only l2-normalised (or unnormalised) TF-IDF with idf is supported")
        self.vocabulary = dict(vectorizer.vocabulary_)
        self.idf = np.asarray(vectorizer.idf_, dtype=float)
        self.sublinear = bool(vectorizer.sublinear_tf)
        self.normalise = vectorizer.norm == "l2"
        self.size = len(self.idf)

    def vector(self, grams: Iterable[str]) -> SparseVector:
        """The TF-IDF vector of a text whose n-grams are ``grams``."""
        vocabulary = self.vocabulary
        found = sorted((j, n) for gram, n in Counter(grams).items() if (j := vocabulary.get(gram)) is not None)
        return self.weigh(np.array([j for j, _ in found], dtype=np.intp), np.array([n for _, n in found], dtype=float))

    def weigh(self, indices: np.ndarray, counts: np.ndarray) -> SparseVector:
        """The TF-IDF vector of the n-gram counts ``counts`` at the columns ``indices`` (ascending)."""
        tf = np.log(counts) + 1.0 if self.sublinear else counts
        values = tf * self.idf[indices]
        if self.normalise and len(values):
            norm = np.sqrt(np.dot(values, values))
            if norm > 0:
                values /= norm
        return SparseVector(indices, values)


class SharedGrams:
    """Several term spaces over the same n-grams (word or character), looked up with one dictionary.

    A question's n-grams are counted and looked up once; each space's vector follows with array
    operations (the same vector as :meth:`TermSpace.vector`).
    """

    def __init__(self, spaces: Sequence[TermSpace]):
        self.spaces = list(spaces)
        self.ids: dict[str, int] = {}
        for space in self.spaces:
            for gram in space.vocabulary:
                self.ids.setdefault(gram, len(self.ids))
        self.columns = []
        for space in self.spaces:
            column = np.full(len(self.ids), -1, dtype=np.intp)
            column[[self.ids[g] for g in space.vocabulary]] = list(space.vocabulary.values())
            self.columns.append(column)

    def vectors(self, grams: Iterable[str]) -> list[SparseVector]:
        """The vector of the text with n-grams ``grams`` in every space, in order."""
        ids = self.ids
        found = [(i, n) for gram, n in Counter(grams).items() if (i := ids.get(gram)) is not None]
        shared = np.array([i for i, _ in found], dtype=np.intp)
        counts = np.array([n for _, n in found], dtype=float)
        out = []
        for space, column in zip(self.spaces, self.columns, strict=True):
            columns = column[shared]
            kept = columns >= 0
            columns, kept_counts = columns[kept], counts[kept]
            order = np.argsort(columns)
            out.append(space.weigh(columns[order], kept_counts[order]))
        return out


class Postings:
    """An inverted index of a row-normalised TF-IDF matrix: for every term, the rows that have it.

    Scoring a question walks only the postings of its own terms, the same sums (in the same order,
    so the same floats) as the matrix times the question's dense vector.
    """

    def __init__(self, matrix: sp.spmatrix):
        self.rows = matrix.shape[0]
        self.terms = sp.csr_matrix(matrix.T, dtype=float)  # (terms, rows)
        self.terms.sort_indices()

    @property
    def matrix(self) -> sp.csr_matrix:
        """The indexed matrix, rows by terms."""
        return self.terms.T.tocsr()

    def scores(self, vector: SparseVector) -> np.ndarray:
        """One score per row: its dot product with ``vector`` (cosine, since both are l2-normalised)."""
        out = np.zeros(self.rows)
        if not len(vector.indices):
            return out
        terms, wanted = self.terms, vector.indices.astype(self.terms.indices.dtype)
        indptr = np.zeros(len(wanted) + 1, dtype=terms.indptr.dtype)
        np.cumsum(terms.indptr[wanted + 1] - terms.indptr[wanted], out=indptr[1:])
        rows, values = np.empty(indptr[-1], dtype=terms.indices.dtype), np.empty(indptr[-1])
        # scipy's compiled kernels (stable since scipy 0.14): gather the question's postings, then add them up
        # per row as a (rows x question terms) CSC matrix times the question's values.
        _sparsetools.csr_row_index(len(wanted), wanted, terms.indptr, terms.indices, terms.data, rows, values)
        _sparsetools.csc_matvec(self.rows, len(wanted), indptr, rows, values, vector.values, out)
        return out

    def split(self, vector: SparseVector, budget: int) -> tuple[SparseVector, SparseVector]:
        """``vector``'s rarest terms whose postings add up to at most ``budget``, and the rest of its terms.

        Every term falls in the first part when all its terms' postings fit the budget.
        """
        lengths = self.terms.indptr[vector.indices + 1] - self.terms.indptr[vector.indices]
        if lengths.sum() <= budget:
            return vector, SparseVector(vector.indices[:0], vector.values[:0])
        order = np.argsort(lengths, kind="stable")
        rare = np.zeros(len(lengths), dtype=bool)
        rare[order[np.cumsum(lengths[order]) <= budget]] = True
        return (SparseVector(vector.indices[rare], vector.values[rare]),
                SparseVector(vector.indices[~rare], vector.values[~rare]))

    def row_scores(self, vector: SparseVector, rows: np.ndarray) -> np.ndarray:
        """The dot products of the rows ``rows`` (ascending) with ``vector``, found by a binary search of each of
        the vector's terms' postings: for a few rows and terms with long postings."""
        indptr, indices = self.terms.indptr, self.terms.indices
        starts, ends = indptr[vector.indices], indptr[vector.indices + 1]
        kept = ends > starts
        starts, ends, values = starts[kept], ends[kept], vector.values[kept]
        if not len(values) or not len(rows):
            return np.zeros(len(rows))
        rows = rows.astype(indices.dtype)  # a search with another integer type would copy every posting
        found = np.array([np.searchsorted(indices[a:b], rows) for a, b in zip(starts.tolist(), ends.tolist(),
                                                                               strict=True)])
        found = np.minimum(found, (ends - starts - 1)[:, None]) + starts[:, None]  # (terms, rows)
        products = np.where(indices[found] == rows, values[:, None] * self.terms.data[found], 0.0)
        return products.sum(axis=0)


class LinearProbabilities:
    """A fitted :class:`LogisticRegression`'s ``predict_proba`` for one sparse row, without input checks."""

    def __init__(self, model: LogisticRegression):
        self.classes = model.classes_
        self.weights = np.ascontiguousarray(model.coef_.T)  # (features, classes): a question's rows are gathered
        self.intercept = np.asarray(model.intercept_, dtype=float)

    def __call__(self, vector: SparseVector) -> np.ndarray:
        """The probability of every class (in ``classes`` order) for the row ``vector``."""
        z = vector.values @ self.weights[vector.indices] + self.intercept
        if len(self.classes) == 2:  # binary: one logistic output for the second class
            p = 1.0 / (1.0 + np.exp(-z[0]))
            return np.array([1.0 - p, p])
        z = np.exp(z - z.max())
        return z / z.sum()
