"""Glue for ``forecast validate {nested,holdout,sold,bridge,sbc,all}``: one check at a time, sharing fits.

Within one ``validate all`` the holdout fits the spec the nested origins chose, and the pseudo-wall
reuses the later origins' and the holdout's fits. Run alone, a check reads the choice from
``validation.json`` (section ``nested``) and falls back to the base spec, saying so.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from forecast import policy, units
from forecast.config import Spec
from forecast.errors import ConfigError
from forecast.validation.fastfit import lean_fit_extract
from forecast.validation.nested import Plan, candidate_spec, load_plan, run_nested
from forecast.validation.origins import origin_payload
from forecast.validation.parallel import worker_count


@dataclass
class EvaluationState:
    """What one ``validate`` command has learnt so far."""

    spec: Spec
    out: Path
    chosen: Spec | None = None
    chosen_by: str = ""
    fits: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    checks: tuple[str, ...] = ()  # the checks this command runs (the nested origins then fit the holdout too)
    holdout_fit: dict[str, Any] | None = None


def chosen_spec(state: EvaluationState, plan: Plan) -> tuple[Spec, str]:
    """The nested origins' choice (this command's, else ``validation.json``'s), else the base spec."""
    if state.chosen is not None:
        return state.chosen, state.chosen_by
    if state.out.is_file():
        name = (json.loads(state.out.read_text()).get("nested") or {}).get("choice", {}).get("chosen")
        for cand in plan.candidates:
            if cand.name == name:
                return candidate_spec(state.spec, cand), f"nested origins (candidate '{name}', from {state.out})"
    return state.spec, "no nested choice available: the base spec"


def run_evaluation_check(
    check: str,
    state: EvaluationState,
    args: argparse.Namespace,
    results: pd.DataFrame,
    notable: pd.DataFrame,
    prices: pd.DataFrame,
    ex: Any,
    log: Callable[[str], None],
    kw: dict[str, int],
) -> dict[str, Any]:
    """Run one evaluation check and return its JSON-ready section."""
    from forecast.validation.bridge import load_steps, run_bridge
    from forecast.validation.holdout import run_holdout
    from forecast.validation.sbc import run_sbc
    from forecast.validation.sold import frontier_checks, pseudo_wall

    plan = load_plan(args.candidates)
    if check == "nested":
        res = run_nested(
            plan, state.spec, results, notable, prices, executor=ex, log=log, also_holdout="holdout" in state.checks,
            **kw,
        )
        state.holdout_fit = res.holdout_fit
        if res.chosen_spec is not None:
            state.chosen = res.chosen_spec
            state.chosen_by = f"nested origins (candidate '{res.summary['choice']['chosen']}')"
        else:
            state.chosen, state.chosen_by = state.spec, "no candidate eligible at every early origin: the base spec"
        state.fits.extend(res.later_fits)
        return res.summary
    if check == "holdout":
        spec, why = chosen_spec(state, plan)
        # the nested origins' fit of this spec up to the holdout date, when they made one
        prefit = state.holdout_fit if state.chosen is spec else None
        section, fit = run_holdout(
            spec, results, notable, prices, executor=ex, holdout_after=plan.holdout_after, chosen_by=why, log=log,
            fit=prefit, **kw,
        )
        state.fits.append((plan.holdout_cutoff, fit))
        return section
    if check == "sold":
        spec, why = chosen_spec(state, plan)
        fits = state.fits
        if not fits:
            payloads = [
                origin_payload(
                    spec,
                    results[results["year"] <= plan.holdout_cutoff],
                    notable,
                    prices,
                    cutoff=float(c + 1),
                    label=f"sold-{c}",
                    seed=policy.child_seed(spec.sampler.seed, "later", "sold", c),
                    draws=kw["draws"],
                    tune=kw["tune"],
                    chains=kw["chains"],
                )
                for c in plan.later_cutoffs
            ]
            log(f"sold: {len(payloads)} later-origin fits on {ex.description}")
            fits = list(
                zip(
                    [float(c + 1) for c in plan.later_cutoffs], ex.map(lean_fit_extract, payloads, log=log), strict=True
                )
            )
        end = float(results["year"].max())
        return {
            "spec": spec.source,
            "chosen_by": why,
            "pseudo_wall": pseudo_wall(fits, spec, results, notable, prices, end),
            "frontier": frontier_checks(spec, notable, log),
        }
    if check == "bridge":
        return run_bridge(
            state.spec,
            load_steps(args.bridge_steps),
            results,
            notable,
            prices,
            executor=ex,
            holdout_cutoff=units.decimal_year(plan.holdout_after),
            log=log,
            **kw,
        )
    if check == "sbc":
        spec, why = chosen_spec(state, plan)
        out = run_sbc(
            spec,
            results,
            notable,
            prices,
            executor=ex,
            n_sims=args.sbc_sims,
            chunks=worker_count(ex),
            draws=args.sbc_draws,
            tune=args.sbc_draws,
            chains=2,
            log=log,
        )
        return {"spec": spec.source, "chosen_by": why, **out}
    raise ConfigError(f"unknown evaluation check {check!r}")
