"""The logistic regression on merged columns fits scikit-learn's lbfgs coefficients (assistant/logistic.py)."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression

from assistant.logistic import LogisticRegression, unique_columns


def _texts_like(rows: int = 240, columns: int = 60, classes: int = 5, seed: int = 3) -> tuple[sp.csr_matrix, list]:
    """Sparse, row-normalised rows with copied columns (as TF-IDF n-grams that always occur together) and labels
    that the rows partly explain."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(classes, size=rows)
    dense = rng.random((rows, columns)) * (rng.random((rows, columns)) < 0.15)
    dense[np.arange(rows), labels * (columns // classes)] += 1.0  # a column that points to the class
    dense = np.hstack([dense, dense[:, :10], dense[:, 3:5]])  # twelve copies of columns
    dense /= np.linalg.norm(dense, axis=1, keepdims=True)
    return sp.csr_matrix(dense), [f"entry-{label}" for label in labels]


def _assert_same_fit(fast: LogisticRegression, reference: SklearnLogisticRegression, X) -> None:
    assert list(fast.classes_) == list(reference.classes_)
    assert fast.coef_.shape == reference.coef_.shape and fast.intercept_.shape == reference.intercept_.shape
    np.testing.assert_allclose(fast.coef_, reference.coef_, rtol=0, atol=1e-9)
    np.testing.assert_allclose(fast.intercept_, reference.intercept_, rtol=0, atol=1e-9)
    np.testing.assert_allclose(fast.predict_proba(X), reference.predict_proba(X), rtol=0, atol=1e-10)
    assert fast.n_iter_[0] == reference.n_iter_[0]


@pytest.mark.parametrize("C", [0.5, 10.0])
def test_multinomial_fit_is_scikit_learns(C):
    X, y = _texts_like()
    _assert_same_fit(LogisticRegression(C=C, max_iter=5000).fit(X, y),
                     SklearnLogisticRegression(C=C, max_iter=5000).fit(X, y), X)


def test_binary_fit_with_balanced_classes_is_scikit_learns():
    X, y = _texts_like(classes=2)
    y[:40] = ["entry-0"] * 40  # unbalanced
    kwargs = {"C": 3.0, "class_weight": "balanced", "max_iter": 5000}
    _assert_same_fit(LogisticRegression(**kwargs).fit(X, y), SklearnLogisticRegression(**kwargs).fit(X, y), X)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_dense_rows_and_an_iteration_limit():
    X, y = _texts_like(seed=8)
    dense = X.toarray()
    _assert_same_fit(LogisticRegression(C=4.0, max_iter=3).fit(dense, y),
                     SklearnLogisticRegression(C=4.0, max_iter=3).fit(dense, y), dense)


def test_copied_columns_are_grouped_and_share_their_weight():
    X, y = _texts_like()
    columns = X.tocsc()
    columns.sort_indices()
    first, inverse = unique_columns(columns)
    assert len(first) == X.shape[1] - 12
    assert (inverse[60:70] == inverse[:10]).all() and (inverse[70:72] == inverse[3:5]).all()
    assert (np.diff(first) > 0).all() and (inverse[first] == np.arange(len(first))).all()
    model = LogisticRegression(C=10.0, max_iter=5000).fit(X, y)
    assert (model.coef_[:, 60:70] == model.coef_[:, :10]).all()


def test_other_solvers_and_penalties_are_refused():
    X, y = _texts_like()
    with pytest.raises(ValueError, match="lbfgs"):
        LogisticRegression(solver="liblinear").fit(X, y)
    with pytest.raises(ValueError, match="class"):
        LogisticRegression().fit(X, ["one"] * X.shape[0])
