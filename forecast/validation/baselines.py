"""Fair baselines, fitted on the same training rows and scored on the same later rows as the model.

* Thompson et al.'s own specifications, per benchmark, by least squares: error on compute, and error
  on compute and year, each in their **polynomial** form (``log(error)`` linear in log10 compute) and
  **exponential** form (``error`` linear in log10 compute): ``thompson_poly``, ``thompson_poly_year``,
  ``thompson_exp``, ``thompson_exp_year``. Compute is what they used, hardware burden; a result known
  only by training FLOP gets ``x_tf + offset`` (median hardware-burden-minus-training-FLOP over training
  pairs). Predictive Student-t intervals with ``n - p`` degrees of freedom.
* ``pooled_ols``: one least-squares fit on ``log(error)`` with per-benchmark intercepts and common
  slopes on compute and year (the model's compute: training FLOP, else hardware burden minus offset).
* ``naive_frontier`` (frontier targets only): each benchmark's record error keeps improving at its
  least-squares rate over the last :data:`NAIVE_YEARS` years of records before the cutoff (on
  ``log(error)``), with a Student-t predictive from that fit.

Each function returns pointwise scores on the error-rate scale (:mod:`.scoring`) for the rows it can
predict, and a boolean mask of those rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from forecast.validation.backtest import N_PRED_SAMPLES, _impute_x, _ols, _t_predictive
from forecast.validation.scoring import error_scale_block

FORMS = {"poly": "log", "exp": "identity"}
"""Thompson et al.'s forms and the link each is linear on."""
NAIVE_YEARS = 5.0
MIN_DOF = 1


def thompson_x(rows: pd.DataFrame, offset: float) -> np.ndarray:
    """Hardware burden (log10, centred) of each row; training FLOP + ``offset`` when burden is missing."""
    x = rows["x_hw"].to_numpy(dtype=float).copy()
    miss = ~np.isfinite(x)
    x[miss] = rows["x_tf"].to_numpy(dtype=float)[miss] + offset
    return x


def link_of(error: np.ndarray, form: str) -> np.ndarray:
    """``log(error)`` (polynomial form) or ``error`` (exponential form)."""
    e = np.asarray(error, dtype=float)
    return np.log(e) if FORMS[form] == "log" else e


def t_error_scores(
    loc: np.ndarray, scale: np.ndarray, dof: np.ndarray, error: np.ndarray, link: str, rng: np.random.Generator
) -> dict[str, Any]:
    """Error-scale scores of Student-t predictives on a link scale (``log`` or ``identity``)."""
    z = loc[None, :] + scale[None, :] * rng.standard_t(df=np.broadcast_to(dof, (N_PRED_SAMPLES, len(loc))))
    y = link_of(error, "poly" if link == "log" else "exp")
    lpd = stats.t.logpdf(y, df=dof, loc=loc, scale=scale)
    return error_scale_block(z, lpd, error, link)


def _design(x: np.ndarray, t: np.ndarray, year_term: bool) -> np.ndarray:
    cols = [np.ones(len(x)), x] + ([t] if year_term else [])
    return np.column_stack(cols)


def per_benchmark_fit(
    x: np.ndarray, t: np.ndarray, y: np.ndarray, year_term: bool
) -> tuple[np.ndarray, np.ndarray, float, int] | None:
    """Least squares of ``y`` on compute (and year); ``None`` when there is no residual degree of freedom."""
    ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(t)
    X = _design(x[ok], t[ok], year_term)
    if X.shape[0] < X.shape[1] + MIN_DOF:
        return None
    return _ols(X, y[ok])


def thompson_baselines(
    train: pd.DataFrame, test: pd.DataFrame, offset: float, rng: np.random.Generator
) -> dict[str, tuple[dict[str, Any], np.ndarray]]:
    """The four per-benchmark specifications of Thompson et al.: ``{name: (scores, predicted mask)}``."""
    xtr, xte = thompson_x(train, offset), thompson_x(test, offset)
    out = {}
    for form, link in FORMS.items():
        ytr = link_of(train["error"].to_numpy(), form)
        for year_term in (False, True):
            loc = np.full(len(test), np.nan)
            scale = np.full(len(test), np.nan)
            dof = np.full(len(test), np.nan)
            for s in test["series"].unique():
                tr = (train["series"] == s).to_numpy()
                te = (test["series"] == s).to_numpy() & np.isfinite(xte)
                res = per_benchmark_fit(xtr[tr], train["t"].to_numpy()[tr], ytr[tr], year_term)
                if res is None or not te.any():
                    continue
                X0 = _design(xte[te], test["t"].to_numpy()[te], year_term)
                loc[te], scale[te], dof[te] = _t_predictive(X0, res)
            ok = np.isfinite(loc)
            name = f"thompson_{form}" + ("_year" if year_term else "")
            out[name] = (t_error_scores(loc[ok], scale[ok], dof[ok], test["error"].to_numpy()[ok], link, rng), ok)
    return out


def pooled_baseline(
    train: pd.DataFrame, test: pd.DataFrame, offset: float, rng: np.random.Generator
) -> tuple[dict[str, Any], np.ndarray]:
    """Pooled least squares on ``log(error)``: benchmark intercepts, common compute and year slopes."""
    series = sorted(train["series"].unique())
    xtr, xte = _impute_x(train, offset), _impute_x(test, offset)

    def design(rows: pd.DataFrame, x: np.ndarray) -> np.ndarray:
        d = np.column_stack([(rows["series"] == s).to_numpy(dtype=float) for s in series])
        return np.column_stack([d, x, rows["t"].to_numpy()])

    res = _ols(design(train, xtr), np.log(train["error"].to_numpy()))
    ok = test["series"].isin(series).to_numpy() & np.isfinite(xte)
    if res is None or not ok.any():
        return {}, np.zeros(len(test), dtype=bool)
    loc, scale, dof = _t_predictive(design(test[ok], xte[ok]), res)
    return t_error_scores(loc, scale, np.full(len(loc), dof), test["error"].to_numpy()[ok], "log", rng), ok


def records(results: pd.DataFrame) -> pd.DataFrame:
    """Results that set a new best (lowest) error in their series when published, in date order."""
    r = results.sort_values(["series", "year", "error"])
    best = r.groupby("series")["error"].cummin()
    prev = best.groupby(r["series"]).shift(1).fillna(np.inf)
    return r[r["error"] < prev]


def naive_frontier(
    train_results: pd.DataFrame, targets: pd.DataFrame, cutoff: float, rng: np.random.Generator
) -> tuple[dict[str, Any], np.ndarray]:
    """The frontier continues at its last-:data:`NAIVE_YEARS`-year rate (least squares on log record error).

    ``train_results`` are all scored results up to ``cutoff`` (decimal year) with ``series``, ``year``
    and ``error``; ``targets`` have ``series``, ``year`` and ``error``.
    """
    rec = records(train_results)
    rec = rec[rec["year"] > cutoff - NAIVE_YEARS]
    loc = np.full(len(targets), np.nan)
    scale = np.full(len(targets), np.nan)
    dof = np.full(len(targets), np.nan)
    for s in targets["series"].unique():
        r = rec[rec["series"] == s]
        te = (targets["series"] == s).to_numpy()
        t = r["year"].to_numpy() - cutoff
        X = np.column_stack([np.ones(len(r)), t])
        res = _ols(X, np.log(r["error"].to_numpy())) if len(r) >= 2 + MIN_DOF else None
        if res is None:
            continue
        X0 = np.column_stack([np.ones(te.sum()), targets["year"].to_numpy()[te] - cutoff])
        loc[te], scale[te], dof[te] = _t_predictive(X0, res)
    ok = np.isfinite(loc)
    if not ok.any():
        return {}, ok
    return t_error_scores(loc[ok], scale[ok], dof[ok], targets["error"].to_numpy()[ok], "log", rng), ok
