"""Nested rolling origin: choose a spec on early origins only, score the choice on later ones.

The candidates and the origins are data, not code (``models/candidates.toml``)::

    [selection]
    early_cutoffs = [2014, 2015, 2016]   # choice made here (results published up to the end of each year)
    later_cutoffs = [2017, 2018, 2019]   # the chosen spec scored here, on results the choice never saw
    holdout_after = "2020-08-31"         # nothing published after this date is used for any choice
    score = "crps"                       # or "log_score"

    [[candidate]]
    name = "default"
    spec = "default.toml"                # a spec file beside candidates.toml (optional) ...
    overrides = { model = { noise = "per_domain" } }   # ... and/or overrides merged over it

Early origin ``c`` scores the results published after ``c`` and before the first later origin's data end
(``later_cutoffs[0] + 1``), so no row a later origin scores ever influenced the choice. Candidates are ranked
on the rows **every** eligible candidate predicts (pooled over early origins), on the error-rate scale (so
links are comparable). A candidate with a failed fit at any early origin (not converged after one refit) or
whose options the predictive cannot score is not eligible; the output says which and why. So is a candidate
that predicts fewer of an origin's results than another candidate's fit there (a training-FLOP-only spec
cannot place hardware-burden-only results): the default must forecast every result, so such a candidate is a
sensitivity. An early origin at which no candidate has a converged fit cannot tell them apart: it is left out
of the choice and named (``origins_dropped``). A candidate whose spec file does not exist (yet) is listed as
skipped.
"""

from __future__ import annotations

import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecast import policy, units
from forecast.config import Spec, load_spec
from forecast.errors import ConfigError
from forecast.validation.fastfit import compile_count, compile_once_tasks, run_compile_once
from forecast.validation.holdout import holdout_seed
from forecast.validation.origins import ORIGIN_VARS, score_origin
from forecast.validation.parallel import worker_count
from forecast.validation.scoring import pooled_by_horizon

SCORES = ("crps", "log_score")
UNSCORABLE_OPTIONS: dict[str, Any] = {}
"""Model options (:mod:`forecast.model`) the row predictive cannot score yet, with their scorable value: a
candidate with any of them set otherwise is listed as unscorable (named in the output) rather than scored
wrongly with an equation it was not fitted with. Empty: every version-2 option (floors, structural compute
measurement, random-walk dynamics, signed slope) is predicted by :mod:`.predictive`."""


@dataclass(frozen=True)
class Candidate:
    """One spec to try: a spec file (or the base spec) with overrides merged over it."""

    name: str
    spec_path: Path | None = None
    overrides: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """What ``models/candidates.toml`` asks for."""

    candidates: tuple[Candidate, ...]
    early_cutoffs: tuple[int, ...] = (2014, 2015, 2016)
    later_cutoffs: tuple[int, ...] = (2017, 2018, 2019)
    holdout_after: str = "2020-08-31"
    score: str = "crps"
    source: str = "<dict>"

    @property
    def holdout_cutoff(self) -> float:
        """The holdout date as a decimal year."""
        return units.decimal_year(self.holdout_after)

    @property
    def selection_end(self) -> float:
        """Last date an early origin may score: the end of the first later origin's training data."""
        return min(float(self.later_cutoffs[0] + 1), self.holdout_cutoff)


def load_plan(path: str | Path) -> Plan:
    """Read a candidates file; spec paths are relative to the file's directory."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"candidates file not found: {p}")
    try:
        raw = tomllib.loads(p.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from exc
    return plan_from_dict(raw, base_dir=p.parent, source=str(p))


def plan_from_dict(raw: dict[str, Any], base_dir: Path = Path("."), source: str = "<dict>") -> Plan:
    """Validate a parsed candidates file."""
    sel = dict(raw.get("selection", {}))
    unknown = set(sel) - {"early_cutoffs", "later_cutoffs", "holdout_after", "score"}
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) in [selection]: {', '.join(sorted(unknown))}")
    cands = []
    for i, c in enumerate(raw.get("candidate", [])):
        if "name" not in c:
            raise ConfigError(f"{source}: candidate[{i}] needs a name")
        bad = set(c) - {"name", "spec", "overrides"}
        if bad:
            raise ConfigError(f"{source}: candidate[{i}] unknown key(s): {', '.join(sorted(bad))}")
        cands.append(
            Candidate(
                name=str(c["name"]),
                spec_path=(base_dir / c["spec"]) if c.get("spec") else None,
                overrides=dict(c.get("overrides", {})),
            )
        )
    if not cands:
        raise ConfigError(f"{source}: no [[candidate]] entries")
    if len({c.name for c in cands}) != len(cands):
        raise ConfigError(f"{source}: candidate names must be unique")
    score = str(sel.get("score", "crps"))
    if score not in SCORES:
        raise ConfigError(f"{source}: selection.score = {score!r}; choose one of {', '.join(SCORES)}")
    plan = Plan(
        candidates=tuple(cands),
        early_cutoffs=tuple(int(c) for c in sel.get("early_cutoffs", (2014, 2015, 2016))),
        later_cutoffs=tuple(int(c) for c in sel.get("later_cutoffs", (2017, 2018, 2019))),
        holdout_after=str(sel.get("holdout_after", "2020-08-31")),
        score=score,
        source=source,
    )
    if max(plan.early_cutoffs) >= min(plan.later_cutoffs):
        raise ConfigError(f"{source}: every early cutoff must precede every later cutoff")
    if plan.later_cutoffs[-1] + 1 > plan.holdout_cutoff + 1:
        raise ConfigError(f"{source}: later cutoffs must end before the holdout date {plan.holdout_after}")
    return plan


def candidate_spec(base: Spec, cand: Candidate) -> Spec:
    """The spec of a candidate: its spec file (or ``base``) with its overrides."""
    spec = load_spec(cand.spec_path) if cand.spec_path is not None else base
    return spec.with_overrides(cand.overrides) if cand.overrides else spec


def unscorable_reason(spec: Spec) -> str | None:
    """Why the predictive of :mod:`.backtest` cannot score ``spec`` (``None`` when it can)."""
    model = dict(spec.raw["model"])
    extra = {k: model[k] for k, v1 in UNSCORABLE_OPTIONS.items() if k in model and model[k] != v1}
    if extra:
        return "predictive not implemented for model option(s) " + ", ".join(
            f"{k}={v!r}" for k, v in sorted(extra.items())
        )
    return None


def choose(points: dict[str, dict[str, dict[str, Any] | None]], score: str = "crps") -> dict[str, Any]:
    """Rank candidates on the rows every eligible candidate predicts, pooled over origins.

    Parameters
    ----------
    points
        ``{candidate: {origin: {"row": [...], "crps": [...], "lpd": [...]} or None}}``; ``None`` marks a
        failed or unscorable origin, which makes the candidate ineligible.
    score
        ``"crps"`` (lower is better) or ``"log_score"`` (mean log predictive density, higher is better).

    Returns
    -------
    dict
        ``chosen`` (name or ``None``), ``ranking`` (best first, with mean CRPS, mean lpd and n),
        ``ineligible`` (name -> reason) and ``origins_dropped`` (origins at which no candidate had a
        scored fit: they cannot discriminate, so they are left out when another origin remains).
    """
    if score not in SCORES:
        raise ConfigError(f"score must be one of {', '.join(SCORES)}, got {score!r}")
    # An origin at which no candidate has a scored fit cannot discriminate between them: it is left out
    # of the choice (and named), instead of making every candidate ineligible.
    all_origins = sorted({o for by in points.values() for o in by})
    dropped = [o for o in all_origins if all(by.get(o) is None for by in points.values())]
    if dropped and len(dropped) < len(all_origins):
        points = {c: {o: v for o, v in by.items() if o not in dropped} for c, by in points.items()}
    else:
        dropped = []
    ineligible = {
        c: "failed or unscorable at origin(s) " + ", ".join(o for o, v in by.items() if v is None)
        for c, by in points.items()
        if any(v is None for v in by.values())
    }
    eligible = [c for c in points if c not in ineligible]
    # The default has to forecast every result: a candidate that predicts fewer of an origin's results
    # than another candidate's fit there (e.g. training-FLOP-only, which cannot place hardware-burden-only
    # results) is a sensitivity, not a default.
    partial = {c: why for c, why in _partial_candidates(points).items() if c in eligible}
    ineligible.update(partial)
    eligible = [c for c in eligible if c not in partial]
    if not eligible:
        return {"chosen": None, "ranking": [], "ineligible": ineligible, "n_rows": 0, "origins_dropped": dropped}
    origins = sorted({o for c in eligible for o in points[c]})
    common: dict[str, set[int]] = {}
    for o in origins:
        sets = [set(points[c][o]["row"]) for c in eligible if o in points[c]]  # type: ignore[index]
        common[o] = set.intersection(*sets) if len(sets) == len(eligible) else set()
    ranking = []
    for c in eligible:
        crps, lpd = [], []
        for o in origins:
            p = points[c].get(o)
            if p is None or not common[o]:
                continue
            keep = np.isin(np.asarray(p["row"]), sorted(common[o]))
            crps.append(np.asarray(p["crps"], dtype=float)[keep])
            lpd.append(np.asarray(p["lpd"], dtype=float)[keep])
        cr = np.concatenate(crps) if crps else np.array([])
        lp = np.concatenate(lpd) if lpd else np.array([])
        ranking.append(
            {
                "candidate": c,
                "n": int(cr.size),
                "mean_crps": float(cr.mean()) if cr.size else None,
                "mean_lpd": float(lp.mean()) if lp.size else None,
            }
        )
    if all(r["n"] == 0 for r in ranking):
        return {"chosen": None, "ranking": ranking, "ineligible": ineligible, "n_rows": 0, "origins_dropped": dropped}

    def key(r: dict[str, Any]) -> float:
        v = r["mean_crps"] if score == "crps" else -r["mean_lpd"] if r["mean_lpd"] is not None else None
        return float(v) if v is not None and np.isfinite(v) else np.inf  # undefined scores rank last

    ranking.sort(key=lambda r: (r["n"] == 0, key(r) if r["n"] else 0.0))
    return {
        "chosen": ranking[0]["candidate"],
        "ranking": ranking,
        "ineligible": ineligible,
        "n_rows": ranking[0]["n"],
        "score": score,
        "origins_dropped": dropped,
    }


def _partial_candidates(points: dict[str, dict[str, dict[str, Any] | None]]) -> dict[str, str]:
    """Candidates that predict fewer rows than the most complete candidate at some origin, with the reason."""
    most: dict[str, int] = {}
    for by in points.values():
        for o, p in by.items():
            if p is not None:
                most[o] = max(most.get(o, 0), len(p["row"]))
    out = {}
    for c, by in points.items():
        short = [f"{o} ({len(p['row'])} of {most[o]})" for o, p in sorted(by.items()) if p is not None
                 and len(p["row"]) < most[o]]
        if short:
            out[c] = ("predicts fewer later results than another candidate at origin(s) " + ", ".join(short)
                      + ": a sensitivity, not a default (the default must forecast every result)")
    return out


def _fit_and_score(
    jobs: list[tuple[str, Spec, int]],
    tag: str,
    end: float,
    data: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
    executor: Any,
    sampler: dict[str, int],
    say: Callable[[str], None],
    extra: tuple[tuple[str, float, int], ...] = (),
) -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], list[dict[str, Any]]]:
    """Fit each ``(candidate, spec, cutoff year)`` on the data up to the cutoff; score it up to ``end``.

    ``extra`` fits ``(label, cutoff, seed)`` of the (single) spec of ``jobs`` share its compiled model and
    are returned unscored, after the scored jobs.
    """
    results, notable, prices = data
    seeds = [policy.child_seed(sampler["seed"], tag, name, c) for name, _, c in jobs]
    by_spec: dict[str, list[int]] = {}
    for j, (name, _, _) in enumerate(jobs):
        by_spec.setdefault(name, []).append(j)
    # One compile per model structure of each spec (fastfit.lean_fit_origins); split while workers would idle.
    min_tasks = max(1, -(-worker_count(executor) // max(1, len(by_spec))))
    tasks = []
    for members in by_spec.values():
        spec = jobs[members[0]][1]
        fits = [(f"{tag}-{jobs[j][0]}-{jobs[j][2]}", float(jobs[j][2] + 1), seeds[j]) for j in members]
        if extra:
            if len(by_spec) > 1:
                raise ValueError("extra fits need jobs of a single spec")
            fits += list(extra)
            members = members + list(range(len(jobs), len(jobs) + len(extra)))
        for t in compile_once_tasks(
            spec, results, notable, prices, fits=fits, draws=sampler["draws"], tune=sampler["tune"],
            chains=sampler["chains"], var_names=ORIGIN_VARS, min_tasks=min_tasks,
        ):
            for f in t["fits"]:
                f["index"] = members[f["index"]]
            tasks.append(t)
    say(f"{tag}: {len(jobs) + len(extra)} fits in {len(tasks)} compile-once task(s)")
    fits_out = run_compile_once(executor, tasks, log=say)
    out = []
    for (_, spec, c), f, seed in zip(jobs, fits_out[: len(jobs)], seeds, strict=True):
        scored = score_origin(f, spec, results, notable, prices, cutoff=float(c + 1), end=end, seed=seed)
        out.append((scored, f))
    return out, fits_out[len(jobs) :]


@dataclass
class NestedResult:
    """The JSON summary, the chosen spec and the later origins' fits (reused by the pseudo-wall check)."""

    summary: dict[str, Any]
    chosen_spec: Spec | None
    later_fits: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    holdout_fit: dict[str, Any] | None = None  # the later spec fitted up to the holdout date (``also_holdout``)


def run_nested(
    plan: Plan,
    base: Spec,
    results: pd.DataFrame,
    notable: pd.DataFrame,
    prices: pd.DataFrame,
    *,
    executor: Any,
    draws: int = 500,
    tune: int = 500,
    chains: int = 2,
    log: Callable[[str], None] | None = None,
    also_holdout: bool = False,
) -> NestedResult:
    """Fit every candidate at every early origin, choose, then fit and score the choice at the later origins.

    With ``also_holdout`` the choice is also fitted on the data up to the holdout date (not scored here;
    :func:`forecast.validation.holdout.run_holdout` takes it as ``fit``), sharing the later origins' compile.
    """
    say = log or (lambda m: None)
    t0 = time.perf_counter()
    seed = base.sampler.seed
    results = results.assign(_row=np.arange(len(results)))  # row numbers of the whole table, as the holdout's
    results = results[results["year"] <= plan.holdout_cutoff].copy()  # the holdout is never seen here
    notable = notable[notable["year"] <= plan.holdout_cutoff].copy()
    data = (results, notable, prices)
    sampler = {"draws": draws, "tune": tune, "chains": chains, "seed": seed}
    specs: dict[str, Spec] = {}
    skipped: dict[str, str] = {}
    for cand in plan.candidates:
        if cand.spec_path is not None and not cand.spec_path.is_file():
            skipped[cand.name] = f"spec file {cand.spec_path} does not exist"
            continue
        try:
            spec = candidate_spec(base, cand)
        except ConfigError as exc:  # e.g. a spec file with options this checkout does not know yet
            skipped[cand.name] = f"spec not loadable here: {exc}"
            continue
        reason = unscorable_reason(spec)
        if reason:
            skipped[cand.name] = reason
            continue
        specs[cand.name] = spec
    jobs = [(name, specs[name], c) for name in specs for c in plan.early_cutoffs]
    say(f"nested: {len(jobs)} early-origin fits ({len(specs)} candidates) on {executor.description}")
    scored, _ = _fit_and_score(jobs, "nested", plan.selection_end, data, executor, sampler, say)
    compiles = {"early": compile_count([f for _, f in scored])}
    early: dict[str, dict[str, Any]] = {name: {} for name in specs}
    points: dict[str, dict[str, dict[str, Any] | None]] = {name: {} for name in specs}
    for (name, _, c), (sc, _) in zip(jobs, scored, strict=True):
        points[name][str(c)] = sc.pop("_points", None)
        early[name][str(c)] = sc
    choice = choose(points, plan.score)
    chosen = choice["chosen"]
    out: dict[str, Any] = {
        "plan": {
            "source": plan.source,
            "early_cutoffs": list(plan.early_cutoffs),
            "later_cutoffs": list(plan.later_cutoffs),
            "holdout_after": plan.holdout_after,
            "selection_window_end": plan.selection_end,
            "score": plan.score,
        },
        "candidates": {
            c.name: {"spec": str(c.spec_path) if c.spec_path else None, "overrides": c.overrides}
            for c in plan.candidates
        },
        "skipped": skipped,
        "choice": choice,
        "early": early,
    }
    later_fits: list[tuple[float, dict[str, Any]]] = []
    holdout_fit = None
    # No eligible candidate: the later origins score the base spec (as the holdout does), said as such.
    later_name, later_spec = (chosen, specs[chosen]) if chosen is not None else ("base spec", base)
    if later_spec is not None:
        later_jobs = [(later_name, later_spec, c) for c in plan.later_cutoffs]
        say(f"nested: {len(later_jobs)} later-origin fits of '{later_name}'")
        later = {}
        # The holdout check fits the same spec on the data up to the holdout date: with ``also_holdout`` that
        # fit shares the later origins' compiled model (same seed as holdout.run_holdout's own fit).
        extra = (("holdout", plan.holdout_cutoff, holdout_seed(later_spec)),) if also_holdout else ()
        later_scored, extra_fits = _fit_and_score(
            later_jobs, "later", plan.holdout_cutoff, data, executor, sampler, say, extra
        )
        holdout_fit = extra_fits[0] if extra_fits else None
        compiles["later"] = compile_count([f for _, f in later_scored] + extra_fits)
        for (_, _, c), (sc, f) in zip(later_jobs, later_scored, strict=True):
            sc.pop("_points", None)
            later[str(c)] = sc
            later_fits.append((float(c + 1), f))
        out["later"] = later
        out["later_pooled_by_horizon"] = pooled_by_horizon([v["rows"] for v in later.values() if "rows" in v])
        out["chosen_spec"] = {
            "candidate": later_name,
            "source": later_spec.source,
            "model": dict(later_spec.raw["model"]),
            "overrides": out["candidates"][chosen]["overrides"] if chosen is not None else {},
        }
    out["wall_clock_s"] = time.perf_counter() - t0
    out["compiles"] = compiles
    out["executor"] = executor.description
    out["sampler"] = {
        "draws": draws, "tune": tune, "chains": chains,
        "refit": "once: tune, draws and chains x2, target acceptance policy.refit_target_accept",
    }
    return NestedResult(
        summary=out,
        chosen_spec=specs.get(chosen) if chosen else None,
        later_fits=later_fits,
        holdout_fit=holdout_fit,
    )
