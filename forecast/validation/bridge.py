"""A bridge from the seed paper's numbers to the project's: Thompson's method first, then one change at a time.

**First row: Thompson et al.'s method on the points they published.** Per benchmark, least squares of
the error on log10 hardware burden, without and with a year term, in their polynomial (``log(error)``)
and exponential (``error``) forms, on the frontier points of ``computerprogress.com`` (rows of
``data/results.csv`` whose ``compute_source`` names "Thompson et al. frontier data"). Beside it, their
published figures (:data:`PUBLISHED`). Their figures come from ~1,058 papers of which only the frontier
points are public, so a difference here is a difference of data, not of method; the output says so.

**Then the project's changes, one at a time** (``models/bridge.toml``: each step a spec file and/or
overrides and the data it sees), each a fit of the hierarchical model: pooling (one model over
Thompson's points), training-FLOP data, both compute measures, the logit link, the version-2 options
when their spec files exist (floors, measurement model, dynamics), and finally the post-2020 data (the
default's headline). After each step: years of algorithmic progress worth 10x compute (``beta/gamma``
per domain, and the shared ratio), ``k`` in compute ~ (1/error)^k at ImageNet's best error
(``k = -ln(10) e link'(e) / beta``), and the compute multiple that 5% ImageNet top-1 error needs over
the compute of the best result at the same year (``log10 = (link(0.05) - link(e_best)) / beta``).
"""

from __future__ import annotations

import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecast import policy, units
from forecast.config import Spec, load_spec
from forecast.errors import ConfigError
from forecast.prepare import link_forward
from forecast.validation import parallel as par
from forecast.validation.baselines import per_benchmark_fit
from forecast.validation.fastfit import compile_count, compile_once_tasks, fit_status, run_compile_once

THOMPSON_SOURCE = "Thompson et al. frontier data"
TARGET_ERROR = 0.05
TARGET_SERIES = "imagenet/top1"
PUBLISHED = {
    "source": "Thompson, Greenewald, Lee & Manso (2020), The Computational Limits of Deep Learning, arXiv:2007.05558",
    "years_per_10x": 3.0,
    "imagenet_5pct_compute_multiple_log10": 5.0,
    "k_observed_at_least": 9.0,
    "k_theory": 4.0,
    "papers": 1058,
}
DATA_CHOICES = ("thompson", "to_holdout", "all")


def link_derivative(error: np.ndarray | float, link: str) -> np.ndarray:
    """``d link(e) / d e`` of the log, identity and logit links."""
    e = np.asarray(error, dtype=float)
    if link == "log":
        return 1.0 / e
    if link == "logit":
        return 1.0 / (e * (1.0 - e))
    return np.ones_like(e)


def k_exponent(beta: np.ndarray | float, error: float, link: str) -> np.ndarray:
    """``k`` in compute ~ (1/error)^k at ``error``, for a slope ``beta`` of ``link(error)`` per decade of compute."""
    return -np.log(10.0) * error * link_derivative(error, link) / np.asarray(beta, dtype=float)


def target_log10_multiple(beta: np.ndarray | float, best: float, link: str, target: float = TARGET_ERROR) -> np.ndarray:
    """Decades of compute from the best error to ``target`` at a fixed year."""
    return (link_forward(np.array(target), link) - link_forward(np.array(best), link)) / np.asarray(beta, dtype=float)


def thompson_table(points: pd.DataFrame) -> dict[str, Any]:
    """Thompson's per-benchmark least squares on his frontier points.

    ``points`` has ``series``, ``error``, ``hardware_burden_flop`` and ``year``.

    Returns per benchmark and form: slopes, R^2, years per 10x (forms with a year term), ``k`` at the
    benchmark's best error and, for ImageNet top-1, the decades of compute to 5% error.
    """
    rows: dict[str, Any] = {}
    for s, g in points.groupby("series"):
        x = units.log10_safe(g["hardware_burden_flop"].to_numpy(dtype=float))
        t = g["year"].to_numpy(dtype=float) - 2017.0
        e = g["error"].to_numpy(dtype=float)
        best = float(np.min(e))
        out: dict[str, Any] = {"n": int(len(g)), "best_error": best}
        for form, link in (("poly", "log"), ("exp", "identity")):
            y = link_forward(e, link)
            for year_term in (False, True):
                res = per_benchmark_fit(x, t, y, year_term)
                name = form + ("_year" if year_term else "")
                if res is None:
                    out[name] = None
                    continue
                b, _, s2, dof = res
                ok = np.isfinite(x) & np.isfinite(y)
                r2 = 1.0 - s2 * dof / float(np.sum((y[ok] - y[ok].mean()) ** 2))
                entry = {"beta_compute": float(b[1]), "r2": r2, "k_at_best": float(k_exponent(b[1], best, link))}
                if year_term:
                    entry["beta_year"] = float(b[2])
                    entry["years_per_10x"] = float(b[1] / b[2])
                if s == TARGET_SERIES:
                    entry["imagenet_5pct_log10_multiple"] = float(target_log10_multiple(b[1], best, link))
                out[name] = entry
        rows[str(s)] = out
    ypt = [v["poly_year"]["years_per_10x"] for v in rows.values() if v.get("poly_year")]
    img = rows.get(TARGET_SERIES, {})
    return {
        "per_benchmark": rows,
        "summary": {
            "years_per_10x_median_poly_year": float(np.median(ypt)) if ypt else None,
            "years_per_10x_range_poly_year": [float(np.min(ypt)), float(np.max(ypt))] if ypt else None,
            "k_imagenet_poly": (img.get("poly") or {}).get("k_at_best"),
            "imagenet_5pct_log10_multiple_poly": (img.get("poly") or {}).get("imagenet_5pct_log10_multiple"),
            "imagenet_5pct_log10_multiple_poly_year": (img.get("poly_year") or {}).get("imagenet_5pct_log10_multiple"),
        },
    }


def _q(a: np.ndarray) -> dict[str, float]:
    lo, hi = policy.interval_bounds()
    a = np.asarray(a, dtype=float)
    a = a[np.isfinite(a)]
    if a.size == 0:
        return {"median": float("nan"), "low": float("nan"), "high": float("nan")}
    q = np.quantile(a, [lo, 0.5, hi])
    return {"median": float(q[1]), "low": float(q[0]), "high": float(q[2])}


def step_metrics(fitres: dict[str, Any], spec: Spec) -> dict[str, Any]:
    """Years per 10x (per domain, shared), ``k`` and the 5%-ImageNet-error multiple of one fit's draws."""
    d = fitres["draws"]
    doms = fitres["coords"]["domain"]
    if "years_per_10x" not in d:
        return {"years_per_10x": {}, "k_note": "the fit has no years_per_10x variable"}
    out: dict[str, Any] = {
        "years_per_10x": {dom: _q(par.stacked(d, "years_per_10x")[:, j]) for j, dom in enumerate(doms)}
    }
    if "years_per_10x_shared" in d:
        out["years_per_10x_shared"] = _q(par.stacked(d, "years_per_10x_shared"))
    if spec.model.floors:  # with a floor, d log(error) / dx is beta * (error - floor) / error: not the v1 k
        out["k_note"] = "k and the 5% multiple use the v1 equation; not computed: model option floors=True"
        return out
    best = fitres["best"].set_index("series")
    if TARGET_SERIES in best.index:
        e_best = float(best.loc[TARGET_SERIES, "best_error"])
        beta = par.stacked(d, "beta")[:, doms.index(str(best.loc[TARGET_SERIES, "domain"]))]
        out["imagenet_best_error"] = e_best
        out["k_imagenet"] = _q(k_exponent(beta, e_best, spec.model.link))
        out["imagenet_5pct_log10_multiple"] = _q(target_log10_multiple(beta, e_best, spec.model.link))
    return out


def load_steps(path: str | Path) -> list[dict[str, Any]]:
    """Read ``models/bridge.toml``: ``[[step]]`` with ``name``, ``label``, ``data``, ``spec``, ``overrides``."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"bridge steps file not found: {p}")
    raw = tomllib.loads(p.read_text())
    steps = []
    for i, st in enumerate(raw.get("step", [])):
        bad = set(st) - {"name", "label", "data", "spec", "overrides"}
        if bad or "name" not in st:
            raise ConfigError(f"{p}: step[{i}] needs a name; unknown key(s): {', '.join(sorted(bad))}")
        if st.get("data", "to_holdout") not in DATA_CHOICES:
            raise ConfigError(f"{p}: step[{i}].data must be one of {', '.join(DATA_CHOICES)}")
        steps.append(
            {
                **st,
                "spec": (p.parent / st["spec"]) if st.get("spec") else None,
                "data": st.get("data", "to_holdout"),
                "label": st.get("label", st["name"]),
            }
        )
    return steps


def step_data(
    results: pd.DataFrame, notable: pd.DataFrame, which: str, holdout_cutoff: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Results and notable models a step sees: Thompson's points, data up to the holdout date, or all."""
    if which == "thompson":
        return results[results["compute_source"].astype(str).str.contains(THOMPSON_SOURCE, regex=False)].copy(), notable
    if which == "to_holdout":
        return results[results["year"] <= holdout_cutoff].copy(), notable[notable["year"] <= holdout_cutoff].copy()
    return results, notable


def run_bridge(
    base: Spec,
    steps: list[dict[str, Any]],
    results: pd.DataFrame,
    notable: pd.DataFrame,
    prices: pd.DataFrame,
    *,
    executor: Any,
    holdout_cutoff: float,
    draws: int = 500,
    tune: int = 500,
    chains: int = 2,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Thompson's method on his points, then one fit per step."""
    say = log or (lambda m: None)
    t0 = time.perf_counter()
    pts, _ = step_data(results, notable, "thompson", holdout_cutoff)
    first = thompson_table(pts[np.isfinite(pts["error"]) & (pts["error"] > 0) & (pts["error"] < 1)])
    kept: list[tuple[dict[str, Any], Spec]] = []
    skipped: dict[str, str] = {}
    for st in steps:
        if st["spec"] is not None and not st["spec"].is_file():
            skipped[st["name"]] = f"spec file {st['spec']} does not exist"
            continue
        try:
            spec = par.validation_spec(
                load_spec(st["spec"]) if st["spec"] is not None else base,
                seed=policy.child_seed(base.sampler.seed, "bridge", st["name"]),
                draws=draws,
                tune=tune,
                chains=chains,
                overrides=st.get("overrides") or None,
            )
        except ConfigError as exc:  # e.g. options this checkout does not know yet
            skipped[st["name"]] = f"spec not loadable here: {exc}"
            continue
        kept.append((st, spec))
    # Steps of one spec on nested data ("to_holdout" is the prefix of "all" up to the holdout date) share
    # one compiled model (fastfit.lean_fit_origins); every other step is a fit of its own.
    groups: dict[tuple[str, str], list[int]] = {}
    for j, (st, spec) in enumerate(kept):
        shared = st["data"] in ("to_holdout", "all")
        key = (spec.with_overrides({"sampler": {"seed": 0}}).to_json(), "time" if shared else f"own-{j}")
        groups.setdefault(key, []).append(j)
    tasks = []
    for members in groups.values():
        st0, spec0 = kept[members[0]]
        r, n = step_data(results, notable, st0["data"] if len(members) == 1 else "all", holdout_cutoff)
        step_fits = [
            (f"bridge-{kept[j][0]['name']}", holdout_cutoff if kept[j][0]["data"] == "to_holdout" else np.inf,
             kept[j][1].sampler.seed)
            for j in members
        ]
        for t in compile_once_tasks(
            spec0, r, n, prices, fits=step_fits, draws=draws, tune=tune, chains=chains, var_names=par.PERFORMANCE_VARS
        ):
            for f in t["fits"]:
                f["index"] = members[f["index"]]
            tasks.append(t)
    say(f"bridge: {len(kept)} fits in {len(tasks)} task(s) on {executor.description}")
    fits = run_compile_once(executor, tasks, log=say)
    rows = []
    for (st, spec), f in zip(kept, fits, strict=True):
        status = fit_status(f)
        row: dict[str, Any] = {
            "step": st["name"],
            "label": st["label"],
            "data": st["data"],
            "status": status,
            "n_obs": f["n_obs"],
            "link": spec.model.link,
            "compute_measure": spec.model.compute_measure,
            "convergence": par.convergence_brief(f),
        }
        if status != "failed":
            row.update(step_metrics(f, spec))
        rows.append(row)
    return {
        "published": PUBLISHED,
        "thompson_method_on_published_points": first,
        "why_different": (
            "Only Thompson et al.'s frontier points are public (computerprogress.com); their published figures "
            f"come from ~{PUBLISHED['papers']} papers, most of them not state of the art. Least squares on the "
            "frontier points alone fits the best results of each year, whose compute and year are strongly "
            "correlated, so the split between compute and year differs from theirs."
        ),
        "steps": rows,
        "skipped": skipped,
        "sampler": {"draws": draws, "tune": tune, "chains": chains},
        "compiles": compile_count(fits),
        "wall_clock_s": time.perf_counter() - t0,
        "executor": executor.description,
    }
