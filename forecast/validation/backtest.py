"""Out-of-time backtest: fit on results published up to a cutoff year, predict what came after.

For each cutoff ``c`` (default 2016, 2017, 2018) the model is fitted on results (and notable models)
with publication year ``< c + 1``; hardware prices are kept whole (the price part shares no parameter
with the performance or trend parts, so it cannot leak into the scored predictions). The results
published from ``c + 1`` on, with compute, are predicted from their compute and year.

Everything is scored **on the link scale** of the model (logit of the error rate by default), the same
scale for the model and both baselines:

* 50% / 90% central interval coverage,
* mean log predictive density (``lpd``, higher is better),
* CRPS from samples, ``E|X - y| - 0.5 E|X - X'|`` (lower is better).

Methods on identical splits:

* ``hierarchical``: posterior predictive Student-t from draws of ``alpha[benchmark]``, ``beta``,
  ``gamma``, ``sigma``, ``nu``. A later result known only by hardware burden has latent compute
  ``x = log10(hw) - centring - hw_offset + hw_sigma * z``; ``z`` is integrated out (Gauss-Hermite
  quadrature for the density, one Monte Carlo ``z`` per predictive sample). Version-2 fits (floors,
  structural compute, random walk) use the same functions with their context (:mod:`.predictive`).
* ``per_benchmark_ols``: Thompson's method, least squares of the link on ``x`` and ``t`` separately per
  benchmark, Student-t predictive intervals (``n - 3`` degrees of freedom).
* ``pooled_ols``: one least-squares regression on all training rows with per-benchmark intercepts
  and common slopes on ``x`` and ``t``, Student-t predictive.

Baselines have no latent compute: for hardware-burden-only rows they use
``x = x_hw - median(x_hw - x_tf)`` over the training rows that have both measures.

Benchmarks absent (or too short for a 3-parameter least-squares fit) before a cutoff cannot be
predicted by the per-benchmark baseline: the comparison table uses the **common set** of later results
that all three methods can predict; the hierarchical model's score on every later result (new
benchmarks predicted through ``alpha_domain`` and ``tau_alpha``) is reported separately.

The compute-trend part is scored as well: its predictive ``x ~ Normal(kappa_d + lambda_d t, s)`` against
(a) the training compute of later notable models and (b) the training compute of later benchmark
results, with a per-domain least-squares trend as the baseline.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from forecast import policy
from forecast.config import Spec
from forecast.prepare import prepare_data
from forecast.validation import parallel as par
from forecast.validation import predictive
from forecast.validation.predictive import GH_NODES, V1_CONTEXT, PredictiveContext  # noqa: F401 - re-exported

DEFAULT_CUTOFFS = (2016, 2017, 2018)
N_PRED_SAMPLES = 4000
MIN_OLS_ROWS = 4  # 3 coefficients + at least 1 residual degree of freedom


# ----------------------------------------------------------------------------- scoring primitives
def crps_from_samples(samples: np.ndarray, y: np.ndarray) -> np.ndarray:
    """CRPS of each column's sample set: ``E|X - y| - 0.5 E|X - X'|``.

    Parameters
    ----------
    samples
        Array ``(n_samples, n_points)``.
    y
        Observed values ``(n_points,)``.
    """
    s = np.sort(np.asarray(samples, dtype=float), axis=0)
    n = s.shape[0]
    term1 = np.mean(np.abs(s - y[None, :]), axis=0)
    # E|X - X'| over all ordered pairs = 2 / n^2 * sum_i (2i - n - 1) x_(i)
    w = (2.0 * np.arange(1, n + 1) - n - 1.0)[:, None]
    term2 = 2.0 * np.sum(w * s, axis=0) / n**2
    return term1 - 0.5 * term2


def interval_hits(samples: np.ndarray, y: np.ndarray, prob: float) -> np.ndarray:
    """Whether each ``y`` lies in the central ``prob`` interval of its samples (equal-tailed)."""
    lo, hi = policy.interval_bounds(prob)
    q = np.quantile(samples, [lo, hi], axis=0)
    return (y >= q[0]) & (y <= q[1])


def logmeanexp(a: np.ndarray, axis: int = 0) -> np.ndarray:
    """``log(mean(exp(a)))`` along ``axis``, stably."""
    m = np.max(a, axis=axis, keepdims=True)
    return np.squeeze(m, axis=axis) + np.log(np.mean(np.exp(a - m), axis=axis))


def score_block(samples: np.ndarray, y: np.ndarray, lpd: np.ndarray) -> dict[str, Any]:
    """Pointwise scores of one method on one set of points (JSON-ready)."""
    return {
        "in50": interval_hits(samples, y, policy.INNER_INTERVAL_PROB).tolist(),
        "in90": interval_hits(samples, y, policy.INTERVAL_PROB).tolist(),
        "lpd": np.asarray(lpd, dtype=float).tolist(),
        "crps": crps_from_samples(samples, y).tolist(),
        # diagnostics: where the truth falls (PIT), signed miss of the median, 90% width
        "pit": np.mean(samples <= y[None, :], axis=0).tolist(),
        "bias": (y - np.median(samples, axis=0)).tolist(),
        "width90": np.diff(np.quantile(samples, policy.interval_bounds(policy.INTERVAL_PROB), axis=0), axis=0)[
            0
        ].tolist(),
    }


def summarise_scores(points: dict[str, Any], mask: np.ndarray | None = None) -> dict[str, Any]:
    """Coverage, mean lpd and mean CRPS of pointwise scores (optionally a subset)."""
    arrays = {k: np.asarray(v, dtype=float) for k, v in points.items()}
    if mask is not None:
        arrays = {k: v[mask] for k, v in arrays.items()}
    n = int(arrays["lpd"].size)
    if n == 0:
        return {"n": 0, "coverage50": None, "coverage90": None, "mean_lpd": None, "mean_crps": None}
    return {
        "n": n,
        "coverage50": float(arrays["in50"].mean()),
        "coverage90": float(arrays["in90"].mean()),
        "mean_lpd": float(arrays["lpd"].mean()),
        "mean_crps": float(arrays["crps"].mean()),
        "se_lpd": float(arrays["lpd"].std(ddof=1) / np.sqrt(n)) if n > 1 else None,
        **{f"mean_{k}": float(arrays[k].mean()) for k in ("pit", "bias", "width90") if k in arrays},
        **(
            {
                "share_pit_below_5pct": float(np.mean(arrays["pit"] < 0.05)),
                "share_pit_above_95pct": float(np.mean(arrays["pit"] > 0.95)),
            }
            if "pit" in arrays
            else {}
        ),
    }


# ----------------------------------------------------------------------------- the model's predictive
def pointwise_loglik(
    draws: dict[str, np.ndarray],
    rows: pd.DataFrame,
    series: list[str],
    domains: list[str],
    series_domain: list[int] | None = None,
    new_benchmark_rng: np.random.Generator | None = None,
    context: PredictiveContext = V1_CONTEXT,
) -> np.ndarray:
    """Log density ``(n_draws, n_rows)`` of each row's link-scale outcome, latent compute integrated out.

    Rows need ``series``, ``domain``, ``t``, ``y``, ``measure``, ``x_tf`` and ``x_hw`` (and ``year`` with
    random-walk dynamics). A row whose series the fit did not see gets ``alpha ~ Normal(alpha_domain,
    tau_alpha)`` drawn with ``new_benchmark_rng`` (required then, and for rows past a random walk's
    fitted years). ``context``: the fit's version-2 options (:mod:`.predictive`, which does the arithmetic).
    """
    return predictive.log_density(draws, rows, series, domains, new_benchmark_rng, context)


def predictive_samples(
    draws: dict[str, np.ndarray],
    rows: pd.DataFrame,
    series: list[str],
    domains: list[str],
    rng: np.random.Generator,
    n: int = N_PRED_SAMPLES,
    context: PredictiveContext = V1_CONTEXT,
) -> np.ndarray:
    """Posterior predictive samples ``(n, n_rows)`` on the link scale (latent compute by Monte Carlo)."""
    return predictive.samples(draws, rows, series, domains, rng, n, context)


# ----------------------------------------------------------------------------- baselines
def _impute_x(rows: pd.DataFrame, offset: float) -> np.ndarray:
    x = rows["x_tf"].to_numpy(dtype=float).copy()
    miss = ~np.isfinite(x)
    x[miss] = rows["x_hw"].to_numpy(dtype=float)[miss] - offset
    return x


def hw_offset_estimate(train: pd.DataFrame) -> float:
    """Median ``x_hw - x_tf`` over training rows with both measures (0.4, the prior mean, if none)."""
    both = np.isfinite(train["x_tf"].to_numpy(dtype=float)) & np.isfinite(train["x_hw"].to_numpy(dtype=float))
    if not both.any():
        return 0.4
    return float(np.median(train["x_hw"].to_numpy()[both] - train["x_tf"].to_numpy()[both]))


def _ols(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, int] | None:
    n, p = X.shape
    if n <= p or np.linalg.matrix_rank(X) < p:
        return None
    xtx_inv = np.linalg.pinv(X.T @ X)
    b = xtx_inv @ X.T @ y
    dof = n - p
    s2 = float(np.sum((y - X @ b) ** 2) / dof)
    return b, xtx_inv, s2, dof


def _t_predictive(
    X0: np.ndarray, fitres: tuple[np.ndarray, np.ndarray, float, int]
) -> tuple[np.ndarray, np.ndarray, int]:
    b, xtx_inv, s2, dof = fitres
    loc = X0 @ b
    scale = np.sqrt(s2 * (1.0 + np.einsum("ij,jk,ik->i", X0, xtx_inv, X0)))
    return loc, scale, dof


def per_benchmark_ols(
    train: pd.DataFrame, test: pd.DataFrame, offset: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Thompson's per-benchmark regressions: predictive loc, scale, dof per test row (NaN: cannot)."""
    xtr, xte = _impute_x(train, offset), _impute_x(test, offset)
    loc = np.full(len(test), np.nan)
    scale = np.full(len(test), np.nan)
    dof = np.full(len(test), np.nan)
    fitted = []
    for s in test["series"].unique():
        tr = (train["series"] == s).to_numpy()
        te = (test["series"] == s).to_numpy()
        if tr.sum() < MIN_OLS_ROWS:
            continue
        X = np.column_stack([np.ones(tr.sum()), xtr[tr], train["t"].to_numpy()[tr]])
        res = _ols(X, train["y"].to_numpy()[tr])
        if res is None:
            continue
        X0 = np.column_stack([np.ones(te.sum()), xte[te], test["t"].to_numpy()[te]])
        loc[te], scale[te], dof[te] = _t_predictive(X0, res)
        fitted.append(str(s))
    return loc, scale, dof, fitted


def pooled_ols(train: pd.DataFrame, test: pd.DataFrame, offset: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One regression: per-benchmark intercepts, common slopes on x and t (NaN for unseen benchmarks)."""
    series = sorted(train["series"].unique())
    xtr, xte = _impute_x(train, offset), _impute_x(test, offset)

    def design(rows: pd.DataFrame, x: np.ndarray) -> np.ndarray:
        d = np.column_stack([(rows["series"] == s).to_numpy(dtype=float) for s in series])
        return np.column_stack([d, x, rows["t"].to_numpy()])

    res = _ols(design(train, xtr), train["y"].to_numpy())
    loc = np.full(len(test), np.nan)
    scale = np.full(len(test), np.nan)
    dof = np.full(len(test), np.nan)
    seen = test["series"].isin(series).to_numpy()
    if res is not None and seen.any():
        loc[seen], scale[seen], dof[seen] = _t_predictive(design(test[seen], xte[seen]), res)
    return loc, scale, dof


def t_scores(
    y: np.ndarray,
    loc: np.ndarray,
    scale: np.ndarray,
    dof: np.ndarray,
    rng: np.random.Generator,
    n: int = N_PRED_SAMPLES,
) -> dict[str, Any]:
    """Scores of Student-t predictives: exact log density, samples for intervals and CRPS."""
    samples = loc[None, :] + scale[None, :] * rng.standard_t(df=np.broadcast_to(dof, (n, len(y))))
    lpd = stats.t.logpdf(y, df=dof, loc=loc, scale=scale)
    out = score_block(samples, y, lpd)
    # intervals from the exact t quantiles rather than samples
    for prob, key in ((policy.INNER_INTERVAL_PROB, "in50"), (policy.INTERVAL_PROB, "in90")):
        lo, hi = policy.interval_bounds(prob)
        out[key] = ((y >= stats.t.ppf(lo, dof, loc, scale)) & (y <= stats.t.ppf(hi, dof, loc, scale))).tolist()
    return out


# ----------------------------------------------------------------------------- the backtest
def split(results: pd.DataFrame, notable: pd.DataFrame, cutoff: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training tables: results and notable models published before ``cutoff + 1``."""
    return (results[results["year"] < cutoff + 1].copy(), notable[notable["year"] < cutoff + 1].copy())


def backtest_payloads(
    spec: Spec,
    results: pd.DataFrame,
    notable: pd.DataFrame,
    prices: pd.DataFrame,
    *,
    cutoffs: tuple[int, ...],
    seed: int,
    draws: int,
    tune: int,
    chains: int,
) -> list[dict[str, Any]]:
    """One fit payload per cutoff (seed ``child_seed(seed, 'backtest', cutoff)``)."""
    out = []
    for c in cutoffs:
        r, n = split(results, notable, c)
        s = par.validation_spec(
            spec, seed=policy.child_seed(seed, "backtest", c), draws=draws, tune=tune, chains=chains
        )
        out.append(
            par.make_payload(s, r, n, prices, label=f"backtest-{c}", var_names=par.PERFORMANCE_VARS + par.TREND_VARS,
                             refit=True)
        )
    return out


def score_cutoff(
    fitres: dict[str, Any],
    full_obs: pd.DataFrame,
    notable_obs: pd.DataFrame,
    cutoff: int,
    seed: int,
    context: PredictiveContext = V1_CONTEXT,
) -> dict[str, Any]:
    """Score the model and both baselines on the results published after ``cutoff`` (``context``: the fit's options)."""
    draws = fitres["draws"]
    series, domains = fitres["coords"]["benchmark"], fitres["coords"]["domain"]
    train = fitres["obs"]
    test = full_obs[(full_obs["year"] >= cutoff + 1) & full_obs["domain"].isin(domains)].reset_index(drop=True)
    y = test["y"].to_numpy()
    rng = np.random.default_rng(policy.child_seed(seed, "backtest", cutoff, "score"))
    offset = hw_offset_estimate(train)

    ll = pointwise_loglik(draws, test, series, domains, new_benchmark_rng=rng, context=context)
    model_pts = score_block(
        predictive_samples(draws, test, series, domains, rng, context=context), y, logmeanexp(ll, 0)
    )
    loc_b, sc_b, df_b, fitted = per_benchmark_ols(train, test, offset)
    loc_p, sc_p, df_p = pooled_ols(train, test, offset)
    ok_b, ok_p = np.isfinite(loc_b), np.isfinite(loc_p)
    bench_pts = t_scores(y[ok_b], loc_b[ok_b], sc_b[ok_b], df_b[ok_b], rng)
    pooled_pts = t_scores(y[ok_p], loc_p[ok_p], sc_p[ok_p], df_p[ok_p], rng)

    common = ok_b & ok_p & test["series"].isin(series).to_numpy()

    def expand(pts: dict[str, Any], ok: np.ndarray) -> dict[str, np.ndarray]:
        full = {}
        for k, v in pts.items():
            arr = np.full(len(test), np.nan)
            arr[ok] = np.asarray(v, dtype=float)
            full[k] = arr
        return full

    methods = {
        "hierarchical": expand(model_pts, np.ones(len(test), bool)),
        "per_benchmark_ols": expand(bench_pts, ok_b),
        "pooled_ols": expand(pooled_pts, ok_p),
    }
    table = {m: summarise_scores(p, common) for m, p in methods.items()}
    by_domain: dict[str, Any] = {}
    for d in sorted(test.loc[common, "domain"].unique()):
        msk = common & (test["domain"] == d).to_numpy()
        by_domain[d] = {m: summarise_scores(p, msk) for m, p in methods.items()}
    by_year: dict[str, Any] = {}
    for yr in sorted(np.floor(test.loc[common, "year"]).astype(int).unique()):
        msk = common & (np.floor(test["year"]).astype(int) == yr).to_numpy()
        by_year[str(yr)] = {m: summarise_scores(p, msk) for m, p in methods.items()}
    from forecast.validation.scoring import grouped, horizon, horizon_label  # scoring imports this module

    # whole years after the end of the cutoff year: results of cutoff+1 are 1 year ahead, 4+ pooled
    hz = pd.Series([horizon_label(h) for h in horizon(test["year"].to_numpy(), cutoff + 1)])[common]
    by_horizon = {m: grouped({k: np.asarray(v)[common] for k, v in p.items()}, hz) for m, p in methods.items()}
    by_series: dict[str, Any] = {}
    for s in sorted(test["series"].unique()):
        msk = (test["series"] == s).to_numpy()
        by_series[s] = {
            "n_later": int(msk.sum()),
            "n_train": int((train["series"] == s).sum()),
            "in_model": s in series,
            "per_benchmark_ols": s in fitted,
            "hierarchical": summarise_scores(methods["hierarchical"], msk),
        }
    return {
        "cutoff": cutoff,
        "train_rows": int(len(train)),
        "later_rows": int(len(test)),
        "common_rows": int(common.sum()),
        "hw_offset_for_baselines": offset,
        "excluded_from_common": {
            "unseen_or_short_benchmarks": sorted(set(test.loc[~common, "series"])),
            "n": int((~common).sum()),
        },
        "common": table,
        "hierarchical_all_later": summarise_scores(methods["hierarchical"]),
        "by_domain": by_domain,
        "by_year": by_year,
        "by_horizon": by_horizon,
        "by_series": by_series,
        "trend": score_trend(fitres, notable_obs, full_obs, cutoff, rng),
        "convergence": par.convergence_brief(fitres),
        "attempts": fitres.get("attempts", []),
        "timings": fitres["timings"],
    }


def score_trend(
    fitres: dict[str, Any],
    notable_obs: pd.DataFrame,
    full_obs: pd.DataFrame,
    cutoff: int,
    rng: np.random.Generator,
) -> dict[str, Any]:
    """Score the compute-trend predictive against later notable models and later benchmark results."""
    draws = fitres["draws"]
    domains = fitres["coords"]["domain"]
    if "trend_slope" not in draws:
        return {"available": False}
    dom_idx = {d: i for i, d in enumerate(domains)}
    kappa = par.stacked(draws, "trend_intercept")
    lam = par.stacked(draws, "trend_slope")
    sd = par.stacked(draws, "trend_sigma")
    train_nm = notable_obs[(notable_obs["year"] < cutoff + 1) & notable_obs["domain"].isin(domains)]
    out: dict[str, Any] = {"available": True}
    targets = {
        "later_notable_models": notable_obs[(notable_obs["year"] >= cutoff + 1) & notable_obs["domain"].isin(domains)][
            ["domain", "t", "x"]
        ],
        "later_benchmark_results": full_obs[
            (full_obs["year"] >= cutoff + 1) & full_obs["domain"].isin(domains) & np.isfinite(full_obs["x_tf"])
        ][["domain", "t", "x_tf"]].rename(columns={"x_tf": "x"}),
    }
    for name, rows in targets.items():
        rows = rows.reset_index(drop=True)
        if rows.empty:
            out[name] = {"n": 0}
            continue
        di = np.array([dom_idx[d] for d in rows["domain"]], dtype=int)
        t, x = rows["t"].to_numpy(), rows["x"].to_numpy()
        mu = kappa[:, di] + lam[:, di] * t[None, :]
        lpd = logmeanexp(stats.norm.logpdf(x[None, :], mu, sd[:, None]), 0)
        pick = rng.integers(0, mu.shape[0], size=N_PRED_SAMPLES)
        samples = mu[pick] + sd[pick][:, None] * rng.standard_normal((N_PRED_SAMPLES, len(rows)))
        model = summarise_scores(score_block(samples, x, lpd))
        # baseline: per-domain least-squares trend on training notable models (t predictive)
        loc = np.full(len(rows), np.nan)
        scale = np.full(len(rows), np.nan)
        dof = np.full(len(rows), np.nan)
        for d in rows["domain"].unique():
            tr = train_nm[train_nm["domain"] == d]
            res = (
                _ols(np.column_stack([np.ones(len(tr)), tr["t"].to_numpy()]), tr["x"].to_numpy())
                if len(tr) >= 3
                else None
            )
            if res is None:
                continue
            te = (rows["domain"] == d).to_numpy()
            loc[te], scale[te], dof[te] = _t_predictive(np.column_stack([np.ones(te.sum()), t[te]]), res)
        ok = np.isfinite(loc)
        base = summarise_scores(t_scores(x[ok], loc[ok], scale[ok], dof[ok], rng)) if ok.any() else {"n": 0}
        model_common = summarise_scores(score_block(samples[:, ok], x[ok], lpd[ok])) if ok.any() else {"n": 0}
        out[name] = {
            "hierarchical_all": model,
            "hierarchical_common": model_common,
            "per_domain_ols": base,
            "n": int(len(rows)),
            "domains_without_baseline": sorted(set(rows.loc[~ok, "domain"])),
        }
    return out


def notable_table(notable: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    """Notable models with ``t`` and ``x`` in the model's units (all years)."""
    from forecast import units

    nm = notable.copy()
    nm["x"] = units.log10_safe(nm["training_flop"].to_numpy()) - float(spec.centering["log10_flop"])
    nm["t"] = nm["year"] - float(spec.centering["year"])
    return nm[np.isfinite(nm["x"])][["domain", "year", "t", "x"]].reset_index(drop=True)


def horizon_pools(per_cutoff: list[dict[str, Any]]) -> dict[str, Any]:
    """Coverage and CRPS by horizon pooled over the cutoffs: the converged fits, and all fits.

    Keys ``pooled_by_horizon`` (converged cutoffs only; what the coverage target is judged on),
    ``pooled_by_horizon_all`` and ``pooled_cutoffs`` (the converged cutoffs).
    """
    from forecast.validation.scoring import pooled_by_horizon

    def tables(pcs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"methods": {m: {"by_horizon": b} for m, b in pc["by_horizon"].items()}}
                for pc in pcs if "by_horizon" in pc]

    converged = [pc for pc in per_cutoff if pc.get("convergence", {}).get("converged")]
    return {
        "pooled_by_horizon": pooled_by_horizon(tables(converged)),
        "pooled_by_horizon_all": pooled_by_horizon(tables(per_cutoff)),
        "pooled_cutoffs": [pc["cutoff"] for pc in converged],
    }


def run_backtest(
    spec: Spec,
    results: pd.DataFrame,
    notable: pd.DataFrame,
    prices: pd.DataFrame,
    *,
    executor: Any,
    cutoffs: tuple[int, ...] = DEFAULT_CUTOFFS,
    draws: int = 500,
    tune: int = 500,
    chains: int = 2,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Fit one model per cutoff (in parallel through ``executor``) and score it and the baselines."""
    say = log or (lambda m: None)
    t0 = time.perf_counter()
    seed = spec.sampler.seed
    results = results.copy()
    results["_row"] = np.arange(len(results))
    full = prepare_data(results, notable, prices, spec).obs
    payloads = backtest_payloads(
        spec,
        results,
        notable,
        prices,
        cutoffs=tuple(cutoffs),
        seed=seed,
        draws=draws,
        tune=tune,
        chains=chains,
    )
    say(f"backtest: {len(payloads)} fits on {executor.description}")
    fits = executor.map(par.fit_extract, payloads, log=say)
    nm = notable_table(notable, spec)
    per_cutoff = [
        score_cutoff(f, full, nm, c, seed, predictive.predictive_context(spec, f["obs"]))
        for f, c in zip(fits, cutoffs, strict=True)
    ]
    return {
        "cutoffs": list(cutoffs),
        **horizon_pools(per_cutoff),
        "scale": f"link scale ({spec.model.link} of the error rate)",
        "sampler": {"draws": draws, "tune": tune, "chains": chains, "sampler": spec.sampler.sampler},
        "seeds": {str(c): policy.child_seed(seed, "backtest", c) for c in cutoffs},
        "per_cutoff": per_cutoff,
        "notes": [
            "Training: results and notable models published before cutoff+1; hardware prices kept whole "
            "(the price part shares no parameter with the scored parts).",
            "All methods scored on the link scale, on the common set of later results every method can "
            "predict (per-benchmark OLS needs >= 4 training rows in the benchmark).",
            "Baselines impute hardware-burden-only compute as x_hw - median(x_hw - x_tf) over training pairs;"
            " the hierarchical model integrates the latent compute out.",
            "pooled_ols = one least-squares regression with per-benchmark intercepts and common x and t slopes.",
            "A fit that fails its convergence checks is fitted once more (policy.refit_sampler: tuning, draws "
            "and chains x2, smaller steps); the by-horizon pool counts converged fits only.",
        ],
        "wall_clock_s": time.perf_counter() - t0,
        "executor": executor.description,
    }
