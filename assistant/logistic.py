"""scikit-learn's L2 logistic regression (solver ``lbfgs``) fitted faster, to the same coefficients.

scikit-learn minimises the logistic loss with SciPy's L-BFGS-B. For the entry classifier (92 entries x ~19,500
n-gram columns, 1.8 million weights) each of its ~30 iterations cost ~0.25 s, two thirds of it inside L-BFGS-B
itself, whose work grows with the number of weights. Two things make the same fit cheaper:

- *Identical columns merged.* Two n-grams that occur in exactly the same texts, the same number of times, have
  the same TF-IDF column (``forsø`` and ``orsøk``); about half the columns are copies. ``k`` copies of a column
  are one column times ``sqrt(k)``, an orthogonal change of variables: L-BFGS, which sees its variables only
  through inner products, takes the same steps, and every copy gets the merged weight over ``sqrt(k)``.
- *L-BFGS-B without bounds, in NumPy* (:func:`minimize`): for an unbounded problem L-BFGS-B's step is the
  L-BFGS quasi-Newton step, found here with the two-loop recursion, and its line search is MINPACK-2's
  ``dcsrch`` (Moré and Thuente) with L-BFGS-B's tolerances, the first step ``1/|d|`` and then 1, the same update
  rule (a pair is skipped when its curvature is not positive enough) and the same stopping tests (the largest
  gradient component at most ``tol``, in the unmerged variables, or the relative decrease of the loss at most
  64 machine epsilons).

The objective is scikit-learn's: the mean (weighted mean, with class weights) of the pointwise losses plus
``||w||^2 / (2 C n)``, the intercepts unpenalised. The coefficients agree with scikit-learn's to float rounding
(~1e-13 on the FAQ's entry classifier; ``tests/test_logistic.py`` compares them).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from scipy.linalg import blas
from scipy.special import expit, log_expit
from sklearn.linear_model import LogisticRegression as _SklearnLogisticRegression
from sklearn.utils.class_weight import compute_class_weight

#: L-BFGS-B's line search tolerances (sufficient decrease, curvature, interval width) and its largest step.
_FTOL, _GTOL, _XTOL, _STPMAX = 1e-3, 0.9, 0.1, 1e10
#: scikit-learn's relative decrease of the loss at which L-BFGS-B stops, and its line search budget.
_REL_DECREASE, _MAX_LINE_SEARCH = 64 * np.finfo(float).eps, 50
_MEMORY = 10  # L-BFGS-B's default number of correction pairs (scikit-learn keeps it)


def unique_columns(matrix: sp.csc_matrix) -> tuple[np.ndarray, np.ndarray]:
    """For a CSC matrix with sorted indices: the first column of each group of identical columns (same rows,
    same values), and for every column the index of its group."""
    groups: dict[tuple[bytes, bytes], int] = {}
    inverse = np.empty(matrix.shape[1], dtype=np.intp)
    indptr, indices, data = matrix.indptr.tolist(), matrix.indices, matrix.data
    for j in range(matrix.shape[1]):
        a, b = indptr[j], indptr[j + 1]
        inverse[j] = groups.setdefault((indices[a:b].tobytes(), data[a:b].tobytes()), len(groups))
    first = np.zeros(len(groups), dtype=np.intp)
    first[inverse[::-1]] = np.arange(matrix.shape[1] - 1, -1, -1)
    return first, inverse


@dataclass
class _LineSearch:
    """MINPACK-2's ``dcsrch`` with L-BFGS-B's tolerances: a step with sufficient decrease and curvature."""

    finit: float
    ginit: float
    stp: float

    def __post_init__(self) -> None:
        self.gtest = _FTOL * self.ginit
        self.stage1 = True
        self.brackt = False
        self.width = _STPMAX
        self.width1 = 2 * _STPMAX
        self.stx, self.fx, self.gx = 0.0, self.finit, self.ginit
        self.sty, self.fy, self.gy = 0.0, self.finit, self.ginit
        self.stmin, self.stmax = 0.0, self.stp * 5.0

    def next(self, f: float, g: float) -> float | None:
        """The loss ``f`` and slope ``g`` at the current step: the next step to try, or None when this one is
        accepted (converged, or a warning after which L-BFGS-B takes it as well)."""
        stp = self.stp
        ftest = self.finit + stp * self.gtest
        if self.stage1 and f <= ftest and g >= 0:
            self.stage1 = False
        if (self.brackt and (stp <= self.stmin or stp >= self.stmax)) \
                or (self.brackt and self.stmax - self.stmin <= _XTOL * self.stmax) \
                or (stp == _STPMAX and f <= ftest and g <= self.gtest) \
                or (stp == 0.0 and (f > ftest or g >= self.gtest)) \
                or (f <= ftest and abs(g) <= _GTOL * -self.ginit):
            return None
        if self.stage1 and self.fx >= f > ftest:  # the modified function psi(stp) = f(stp) - f(0) - ftol stp f'(0)
            gtest = self.gtest
            stx, fx, gx, sty, fy, gy, stp = _dcstep(
                self.stx, self.fx - self.stx * gtest, self.gx - gtest, self.sty, self.fy - self.sty * gtest,
                self.gy - gtest, stp, f - stp * gtest, g - gtest, self)
            self.stx, self.fx, self.gx = stx, fx + stx * gtest, gx + gtest
            self.sty, self.fy, self.gy = sty, fy + sty * gtest, gy + gtest
        else:
            self.stx, self.fx, self.gx, self.sty, self.fy, self.gy, stp = _dcstep(
                self.stx, self.fx, self.gx, self.sty, self.fy, self.gy, stp, f, g, self)
        if self.brackt:
            if abs(self.sty - self.stx) >= 0.66 * self.width1:
                stp = self.stx + 0.5 * (self.sty - self.stx)
            self.width1 = self.width
            self.width = abs(self.sty - self.stx)
            self.stmin, self.stmax = min(self.stx, self.sty), max(self.stx, self.sty)
        else:
            self.stmin = stp + 1.1 * (stp - self.stx)
            self.stmax = stp + 4.0 * (stp - self.stx)
        stp = min(max(stp, 0.0), _STPMAX)
        if self.brackt and (stp <= self.stmin or stp >= self.stmax or self.stmax - self.stmin <= _XTOL * self.stmax):
            stp = self.stx
        self.stp = stp
        return stp


def _dcstep(stx: float, fx: float, dx: float, sty: float, fy: float, dy: float, stp: float, fp: float, dp: float,
            search: _LineSearch) -> tuple[float, float, float, float, float, float, float]:
    """MINPACK-2's ``dcstep``: a safeguarded cubic or quadratic step within ``search``'s interval
    (``stmin``, ``stmax``), and the interval that brackets a minimiser updated (``search.brackt`` set once one is
    bracketed)."""
    opposite = (dp > 0) != (dx > 0) and dp != 0 and dx != 0
    if fp > fx:  # a higher value: the minimum is bracketed
        theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp
        s = max(abs(theta), abs(dx), abs(dp))
        gamma = s * math.sqrt((theta / s) ** 2 - (dx / s) * (dp / s)) * (-1 if stp < stx else 1)
        r = ((gamma - dx) + theta) / (((gamma - dx) + gamma) + dp)
        stpc = stx + r * (stp - stx)
        stpq = stx + ((dx / ((fx - fp) / (stp - stx) + dx)) / 2.0) * (stp - stx)
        stpf = stpc if abs(stpc - stx) <= abs(stpq - stx) else stpc + (stpq - stpc) / 2.0
        search.brackt = True
    elif opposite:  # the derivatives have opposite signs: bracketed
        theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp
        s = max(abs(theta), abs(dx), abs(dp))
        gamma = s * math.sqrt((theta / s) ** 2 - (dx / s) * (dp / s)) * (-1 if stp > stx else 1)
        r = ((gamma - dp) + theta) / (((gamma - dp) + gamma) + dx)
        stpc = stp + r * (stx - stp)
        stpq = stp + (dp / (dp - dx)) * (stx - stp)
        stpf = stpc if abs(stpc - stp) > abs(stpq - stp) else stpq
        search.brackt = True
    elif abs(dp) < abs(dx):  # same sign, the derivative's magnitude decreases
        theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp
        s = max(abs(theta), abs(dx), abs(dp))
        gamma = s * math.sqrt(max(0.0, (theta / s) ** 2 - (dx / s) * (dp / s))) * (-1 if stp > stx else 1)
        r = ((gamma - dp) + theta) / ((gamma + (dx - dp)) + gamma)
        if r < 0 and gamma != 0:
            stpc = stp + r * (stx - stp)
        else:
            stpc = search.stmax if stp > stx else search.stmin
        stpq = stp + (dp / (dp - dx)) * (stx - stp)
        if search.brackt:
            stpf = stpc if abs(stpc - stp) < abs(stpq - stp) else stpq
            stpf = min(stp + 0.66 * (sty - stp), stpf) if stp > stx else max(stp + 0.66 * (sty - stp), stpf)
        else:
            stpf = min(max(stpc if abs(stpc - stp) > abs(stpq - stp) else stpq, search.stmin), search.stmax)
    elif search.brackt:  # same sign, the magnitude does not decrease: a cubic step toward sty
        theta = 3.0 * (fp - fy) / (sty - stp) + dy + dp
        s = max(abs(theta), abs(dy), abs(dp))
        gamma = s * math.sqrt((theta / s) ** 2 - (dy / s) * (dp / s)) * (-1 if stp > sty else 1)
        r = ((gamma - dp) + theta) / (((gamma - dp) + gamma) + dy)
        stpf = stp + r * (sty - stp)
    else:
        stpf = search.stmax if stp > stx else search.stmin
    if fp > fx:
        sty, fy, dy = stp, fp, dp
    else:
        if opposite:
            sty, fy, dy = stx, fx, dx
        stx, fx, dx = stp, fp, dp
    return stx, fx, dx, sty, fy, dy, stpf


def minimize(fun: Callable[[np.ndarray], tuple[float, np.ndarray]], x0: np.ndarray,
             converged: Callable[[np.ndarray], bool], max_iter: int) -> tuple[np.ndarray, int]:
    """L-BFGS-B's path for a problem without bounds: the minimiser found and the number of iterations.

    ``fun`` returns the loss and its gradient; ``converged(gradient)`` is the projected-gradient test, made at
    the start and after every iteration. A failed line search restarts from steepest descent once; a second
    failure in a row stops, as L-BFGS-B does.
    """
    x = x0.copy()
    f, g = fun(x)
    pairs: list[tuple[np.ndarray, np.ndarray, float]] = []  # (s, y, 1 / y's), oldest first
    theta = 1.0
    iteration = 0
    if converged(g):
        return x, iteration
    while iteration < max_iter:
        d = -g if not pairs else _direction(g, pairs, theta)
        gd_old = float(g @ d)
        if gd_old >= 0:  # not a descent direction (rounding): start again from steepest descent
            if not pairs:
                break
            pairs, theta = [], 1.0
            continue
        stp = min(1.0 / math.sqrt(float(d @ d)), _STPMAX) if iteration == 0 else 1.0
        search = _LineSearch(f, gd_old, stp)
        x_new, f_new, g_new, gd = x, f, g, gd_old
        for _ in range(_MAX_LINE_SEARCH):
            x_new = x + d if stp == 1.0 else x + stp * d
            f_new, g_new = fun(x_new)
            gd = float(g_new @ d)
            step = search.next(f_new, gd)
            if step is None:
                break
            stp = step
        else:  # the line search failed: the last iterate stays, the memory is dropped (a second failure stops)
            if not pairs:
                break
            pairs, theta = [], 1.0
            continue
        iteration += 1
        f_old, x, f, y = f, x_new, f_new, g_new - g
        g = g_new
        if converged(g) or (f_old - f) <= _REL_DECREASE * max(abs(f_old), abs(f), 1.0):
            break
        dr, ddum = (gd - gd_old) * stp, -gd_old * stp  # y's and -g's, from the slopes, as L-BFGS-B computes them
        if dr <= np.finfo(float).eps * ddum:
            continue  # too little curvature: no update
        pairs = [*pairs[-(_MEMORY - 1):], (stp * d, y, 1.0 / dr)]
        theta = float(y @ y) / dr
    return x, iteration


def _direction(g: np.ndarray, pairs: list[tuple[np.ndarray, np.ndarray, float]], theta: float) -> np.ndarray:
    """``-H g`` by the L-BFGS two-loop recursion, ``H`` the inverse of L-BFGS-B's ``theta I - W M W'`` (BLAS's
    in-place ``daxpy``: the vectors are millions of weights long)."""
    q = g.copy()
    alphas = []
    for s, y, rho in reversed(pairs):
        alpha = rho * blas.ddot(s, q)
        blas.daxpy(y, q, a=-alpha)
        alphas.append(alpha)
    q /= theta
    for (s, y, rho), alpha in zip(pairs, reversed(alphas), strict=True):
        blas.daxpy(s, q, a=alpha - rho * blas.ddot(y, q))
    return np.negative(q, out=q)


class LogisticRegression(_SklearnLogisticRegression):
    """scikit-learn's :class:`~sklearn.linear_model.LogisticRegression` whose ``fit`` computes the lbfgs solver's
    coefficients faster (see the module docstring): for the L2 penalty, the ``lbfgs`` solver, an intercept and no
    warm start, the parameters every model of the assistant uses; other parameters are refused."""

    def fit(self, X: ArrayLike | sp.spmatrix, y: ArrayLike) -> LogisticRegression:
        """Fit to the rows ``X`` (sparse or dense) and labels ``y`` (at least two classes)."""
        if self.solver != "lbfgs" or self.penalty not in ("l2", "deprecated") or not self.fit_intercept \
                or self.warm_start or self.l1_ratio not in (None, 0, 0.0):
            raise ValueError("only the lbfgs solver with an L2 penalty, an intercept and no warm start")
        matrix = sp.csr_matrix(X, dtype=float)
        self.classes_, labels = np.unique(np.asarray(y), return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError("logistic regression needs at least two classes")
        weights = np.ones(matrix.shape[0]) if self.class_weight is None else \
            compute_class_weight(self.class_weight, classes=self.classes_, y=np.asarray(y))[labels]
        columns = matrix.tocsc()
        columns.sort_indices()
        first, inverse = unique_columns(columns)
        copies = np.sqrt(np.bincount(inverse).astype(float))
        merged = (columns[:, first] @ sp.diags(copies)).tocsr()
        outputs = 1 if len(self.classes_) == 2 else len(self.classes_)
        loss = _Loss(merged, labels, weights, 1.0 / (self.C * weights.sum()), outputs)
        solution, iterations = minimize(loss, np.zeros((merged.shape[1] + 1) * outputs),
                                        loss.converged(copies, self.tol), self.max_iter)
        coef = solution.reshape(-1, outputs)
        self.coef_ = np.ascontiguousarray((coef[:-1] / copies[:, None])[inverse].T)
        self.intercept_ = coef[-1].copy()
        self.n_iter_ = np.array([iterations], dtype=np.int32)
        self.n_features_in_ = matrix.shape[1]
        return self


class _Loss:
    """The mean logistic loss (binomial for one output, multinomial for several) plus the L2 penalty, and its
    gradient, of the weights as one vector: (columns + 1) x outputs, the intercepts last."""

    def __init__(self, matrix: sp.csr_matrix, labels: np.ndarray, weights: np.ndarray, l2: float, outputs: int):
        self.matrix, self.transposed = matrix, matrix.T.tocsr()
        self.weights, self.total, self.l2, self.outputs = weights, weights.sum(), l2, outputs
        self.row_weights = (weights / self.total)[:, None]
        self.rows = np.arange(matrix.shape[0])
        self.labels = labels
        self.target = labels.astype(float) if outputs == 1 else None

    def __call__(self, w: np.ndarray) -> tuple[float, np.ndarray]:
        coef = w.reshape(-1, self.outputs)
        weights = coef[:-1]
        raw = self.matrix @ weights
        raw += coef[-1]
        if self.outputs == 1:
            z = raw[:, 0]
            pointwise = -log_expit(z) + (1.0 - self.target) * z  # log(1 + e^z) - y z
            residual = (expit(z) - self.target)[:, None]
        else:  # softmax, shifted by each row's largest value
            raw -= raw.max(axis=1)[:, None]
            residual = np.exp(raw)
            total = residual.sum(axis=1)
            pointwise = np.log(total) - raw[self.rows, self.labels]
            residual /= total[:, None]
            residual[self.rows, self.labels] -= 1.0
        residual *= self.row_weights
        flat = weights.ravel()
        loss = float(self.weights @ pointwise) / self.total + 0.5 * self.l2 * blas.ddot(flat, flat)
        grad = np.empty_like(coef)
        grad[:-1] = self.transposed @ residual
        blas.daxpy(flat, grad[:-1].ravel(), a=self.l2)  # in place: grad[:-1] += l2 * weights
        grad[-1] = residual.sum(axis=0)
        return loss, grad.ravel()

    def converged(self, copies: np.ndarray, tol: float) -> Callable[[np.ndarray], bool]:
        """L-BFGS-B's test on the unmerged weights: every gradient component at most ``tol`` in magnitude (a merged
        column's gradient is ``sqrt(k)`` times each of its ``k`` copies')."""
        scale = np.append(1.0 / copies, 1.0)[:, None]

        def test(grad: np.ndarray) -> bool:
            return float(np.abs(grad.reshape(-1, self.outputs) * scale).max()) <= tol
        return test
