"""The validation suite: parameter recovery, out-of-time backtest, link comparison, sensitivity.

Each check is a function returning a JSON-ready dict (:mod:`.recovery`, :mod:`.backtest`, :mod:`.links`,
:mod:`.sensitivity`); their independent fits run through :mod:`.parallel` (Dask or serial). The dicts are
collected in ``reports/<name>/validation.json`` (:func:`write_validation_json`, atomic) and rendered for
the report by :func:`validation_markdown` and :func:`validation_figures`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from forecast.atomic import atomic_write_text

VALIDATION_FILE = "validation.json"
SECTIONS = ("nested", "holdout", "sold", "sbc", "recovery", "recovery_v2", "backtest", "links", "sensitivity")
"""Sections of the Validation part of the report, in order (``bridge`` has its own section)."""


# ----------------------------------------------------------------------------- JSON
def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.bool_ | bool):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating | float):
        v = float(obj)
        return v if math.isfinite(v) else None
    if hasattr(obj, "items") and not isinstance(obj, str):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    return obj


def write_validation_json(path: str | Path, sections: dict[str, Any], merge: bool = True) -> Path:
    """Write (atomically) the validation sections to ``path``, merged over what the file already holds."""
    path = Path(path)
    data: dict[str, Any] = {}
    if merge and path.is_file():
        try:
            data = json.loads(path.read_text())
        except ValueError:
            data = {}
    data.update(_jsonable(sections))
    return atomic_write_text(path, json.dumps(data, indent=1, sort_keys=False) + "\n")


# ----------------------------------------------------------------------------- markdown
def _f(v: Any, fmt: str = "{:.2f}") -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    return fmt.format(v)


def _pct(v: Any) -> str:
    return _f(None if v is None else 100 * v, "{:.0f}%")


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _recovery_md(rec: dict[str, Any], title: str = "Parameter recovery") -> list[str]:
    from forecast.validation.recovery import expected_flags

    s = rec.get("sampler", {})
    compiles = (f" The model was compiled {rec['model_compiles']} times; {rec['wall_clock_s']:.0f} s in all."
                if "model_compiles" in rec else "")
    rhats = [p["convergence"]["max_rhat"] for p in rec.get("per_sim", []) if "max_rhat" in p.get("convergence", {})]
    if rhats:
        compiles += (f" Worst split R-hat per fit: median {np.median(rhats):.3f}, "
                     f"{sum(r <= 1.05 for r in rhats)} of {len(rhats)} at or below 1.05.")
    failing = rec.get("failing_groups")
    verdict = ("" if failing is None else " Groups outside a band: " + (", ".join(failing) if failing else "none")
               + f" (by chance alone up to ~{expected_flags(len(rec['groups'])):.1f} of {len(rec['groups'])} "
               "groups would be).")
    out = [
        f"### {title}",
        "",
        f"{rec['n_sims']} simulated data sets shaped like the real data ({rec['shape']['rows']} results); "
        f"truths: {rec.get('truth_source', '')}. Fits: {s.get('chains')} chains x {s.get('draws')} draws "
        f"({s.get('sampler')}); {rec.get('n_converged')} of {rec['n_sims']} passed every convergence check, "
        f"{rec.get('total_divergences')} divergences in total. Band: central 95% binomial range of the "
        f"coverage under nominal coverage, n = simulations.{verdict}{compiles}",
        "",
    ]
    rows = []
    for g, v in rec["groups"].items():
        b50, b90 = v["band50_per_sim"], v["band90_per_sim"]
        flag90 = "" if b90[0] <= v["coverage90"] <= b90[1] else " **outside**"
        flag50 = "" if b50[0] <= v["coverage50"] <= b50[1] else " **outside**"
        rows.append(
            [
                g,
                str(v["elements"]),
                _pct(v["coverage50"]) + flag50,
                f"{_pct(b50[0])}-{_pct(b50[1])}",
                _pct(v["coverage90"]) + flag90,
                f"{_pct(b90[0])}-{_pct(b90[1])}",
            ]
        )
    out.append(_table(["parameter", "elements", "50% coverage", "band", "90% coverage", "band"], rows))
    return out


def _backtest_fit_text(pc: dict[str, Any]) -> str:
    from forecast.validation.fastfit import fit_status  # the one status rule of every validation fit

    c = pc.get("convergence", {})  # sections written before fits recorded it: "failed", as before
    sampled = " then ".join(f"{a['chains']} x {a['draws']}" for a in pc.get("attempts", [])) or "?"
    status = fit_status({**pc, "convergence": c})
    return (f"{pc['cutoff']} {status} ({sampled} draws; R-hat {_f(c.get('max_rhat'), '{:.3f}')}, "
            f"bulk ESS {_f(c.get('min_ess_bulk'), '{:.0f}')})")


def _backtest_horizon_md(bt: dict[str, Any]) -> list[str]:
    """Coverage by horizon pooled over the converged cutoffs (where the 85-95% coverage target is judged)."""
    pooled = bt.get("pooled_by_horizon")
    if pooled is None:
        return []
    cut = ", ".join(str(c) for c in bt.get("pooled_cutoffs", [])) or "none"
    lines = ["", f"By horizon (years after the cutoff year), pooled over the converged cutoffs ({cut}); "
             "90% coverage / CRPS (n):", ""]
    if not pooled:
        return [*lines, "No cutoff converged: nothing pooled."]
    hs = sorted({h for by in pooled.values() for h in by})
    rows = [[m, *(f"{_pct(by[h]['coverage90'])} / {_f(by[h]['mean_crps'], '{:.3f}')} ({by[h]['n']})"
                  if h in by else "-" for h in hs)] for m, by in pooled.items()]
    return [*lines, _table(["method", *hs], rows)]


def _backtest_md(bt: dict[str, Any]) -> list[str]:
    out = [
        "### Out-of-time backtest",
        "",
        f"Scored on the {bt.get('scale', 'link scale')}; lpd = mean log predictive density (higher is "
        "better), CRPS lower is better. Common set = later results every method can predict.",
        "",
    ]
    rows = []
    for pc in bt["per_cutoff"]:
        for m, v in pc["common"].items():
            rows.append(
                [
                    str(pc["cutoff"]),
                    m,
                    str(v["n"]),
                    _pct(v["coverage50"]),
                    _pct(v["coverage90"]),
                    _f(v["mean_lpd"]),
                    _f(v["mean_crps"], "{:.3f}"),
                    _f(v.get("mean_width90")),
                ]
            )
        a = pc["hierarchical_all_later"]
        rows.append(
            [
                str(pc["cutoff"]),
                "hierarchical, all later results",
                str(a["n"]),
                _pct(a["coverage50"]),
                _pct(a["coverage90"]),
                _f(a["mean_lpd"]),
                _f(a["mean_crps"], "{:.3f}"),
                _f(a.get("mean_width90")),
            ]
        )
    out.append(_table(["cutoff", "method", "n", "50% cov.", "90% cov.", "lpd", "CRPS", "90% width"], rows))
    out += ["", "Fits: " + "; ".join(_backtest_fit_text(pc) for pc in bt["per_cutoff"]) + "."]
    out += _backtest_horizon_md(bt)
    dom_rows = []
    for pc in bt["per_cutoff"]:
        for d, by in pc.get("by_domain", {}).items():
            h = by["hierarchical"]
            dom_rows.append(
                [str(pc["cutoff"]), d, str(h["n"])]
                + [f"{_pct(by[m]['coverage90'])} / {_f(by[m]['mean_lpd'])}" for m in by]
                + [_f(h.get("mean_pit"))]
            )
    if dom_rows:
        methods = list(bt["per_cutoff"][0]["by_domain"].values())[0].keys()
        out += [
            "",
            "By domain (90% coverage / lpd; PIT = mean predictive CDF at the outcome of the hierarchical model, "
            "0.5 if unbiased, low = later results better than predicted):",
            "",
            _table(["cutoff", "domain", "n", *methods, "PIT"], dom_rows),
        ]
    trend_rows = []
    for pc in bt["per_cutoff"]:
        tr = pc.get("trend", {})
        for target in ("later_notable_models", "later_benchmark_results"):
            t = tr.get(target, {})
            for m in ("hierarchical_all", "per_domain_ols"):
                v = t.get(m)
                if not v or not v.get("n"):
                    continue
                trend_rows.append(
                    [
                        str(pc["cutoff"]),
                        target.replace("_", " "),
                        m,
                        str(v["n"]),
                        _pct(v["coverage50"]),
                        _pct(v["coverage90"]),
                        _f(v["mean_lpd"]),
                        _f(v["mean_crps"], "{:.3f}"),
                    ]
                )
    if trend_rows:
        out += [
            "",
            "Compute trend (log10 training FLOP of later models):",
            "",
            _table(["cutoff", "target", "method", "n", "50% cov.", "90% cov.", "lpd", "CRPS"], trend_rows),
        ]
    return out


def _links_md(lk: dict[str, Any]) -> list[str]:
    out = [
        "### Functional form (PSIS-LOO)",
        "",
        f"ELPD on the {lk.get('scale', 'error-rate scale')}. The identity link used smaller scale priors "
        "(see `identity_prior_overrides` in validation.json).",
        "",
    ]
    rows = []
    for link, v in sorted(lk["table"].items(), key=lambda kv: -kv[1]["elpd_loo"]):
        rows.append(
            [
                link,
                _f(v["elpd_loo"], "{:.1f}"),
                _f(v["se"], "{:.1f}"),
                _f(v["elpd_diff"], "{:.1f}"),
                _f(v["se_diff"], "{:.1f}"),
                _f(v["p_loo"], "{:.1f}"),
                _f(v["pareto_k_max"]),
                f"{v['n_k_over_0.7']}/{v['n']}",
            ]
        )
    out.append(_table(["link", "ELPD", "SE", "diff to best", "SE diff", "p_loo", "max k", "k > 0.7"], rows))
    return out


def _sensitivity_md(sn: dict[str, Any]) -> list[str]:
    out = [
        "### Sensitivity of years-per-10x",
        "",
        f"Median [{sn.get('interval', '90%')}] of years of algorithmic progress worth 10x compute; "
        f"'?' marks a domain whose ratio is not identified ({sn.get('identified_rule')}).",
    ]
    if not sn.get("walls_available"):
        out.append(f"Wall years not included: {sn.get('walls_note')}.")
    out.append("")
    domains: list[str] = []
    for v in sn["variants"].values():
        for d in v["years_per_10x"]:
            if d not in domains:
                domains.append(d)
    rows = []
    for name, v in sn["variants"].items():
        cells = [name]
        for d in domains:
            r = v["years_per_10x"].get(d)
            if r is None:
                cells.append("-")
            else:
                cells.append(
                    f"{_f(r['median'], '{:.1f}')} [{_f(r['low'], '{:.1f}')}, {_f(r['high'], '{:.1f}')}]"
                    + ("" if r["identified"] else " ?")
                )
        rows.append(cells)
    out.append(_table(["variant", *domains], rows))
    if sn.get("walls_available"):
        out += [
            "",
            f"Wall years (median [{sn.get('interval', '90%')}]; 'never' = not within the horizon):",
            "",
        ]
        wrows = []
        budgets: list[str] = []
        for name, v in sn["variants"].items():
            for var_rows in v.get("walls", {}).get("summary", {}).values():
                by_cell: dict[tuple[str, str], str] = {}
                for r in var_rows:
                    b = str(r.get("budget", ""))
                    if b not in budgets:
                        budgets.append(b)
                    by_cell[(b, str(r.get("domain")))] = (
                        f"{_year(r['median'])} [{_year(r['low'])}, {_year(r['high'])}]"
                    )
                for b in budgets:
                    wrows.append([name, b] + [by_cell.get((b, d), "-") for d in domains])
        out.append(_table(["variant", "budget", *domains], wrows))
    return out


def _year(v: Any) -> str:
    return v if isinstance(v, str) else _f(v, "{:.0f}")


def validation_markdown(data: dict[str, Any]) -> str:
    """Render the report's validation section (markdown) from the contents of ``validation.json``."""
    from forecast.validation import render

    parts = ["## Validation", ""]
    renderers = {
        "nested": render.nested_md,
        "holdout": render.holdout_md,
        "sold": render.sold_md,
        "sbc": render.sbc_md,
        "recovery": _recovery_md,
        # a section without its spec file (written before checks named it) names the spec by its model name
        "recovery_v2": lambda rec: _recovery_md(
            rec, "Parameter recovery: version-2 options"
            + ("" if rec.get("spec_source") else f" (spec '{rec.get('spec', 'v2')}')")
        ),
        "backtest": _backtest_md,
        "links": _links_md,
        "sensitivity": _sensitivity_md,
    }
    for key in SECTIONS:
        if key in data and data[key]:
            lines = renderers[key](data[key])
            source = data[key].get("spec_source") if isinstance(data[key], dict) else None
            if source and lines and lines[0].startswith("#"):
                # one validation file can hold checks of several specs (e.g. version 1's recovery beside the
                # default's): each check names the spec file it ran on
                lines = [f"{lines[0]} - spec `{source}`", *lines[1:]]
            parts += lines + [""]
    if len(parts) == 2:
        parts.append("No validation results yet (`forecast validate all`).")
    return "\n".join(parts).rstrip() + "\n"


# ----------------------------------------------------------------------------- figures
def validation_figures(data: dict[str, Any], out_dir: str | Path) -> list[Path]:
    """Coverage plots (recovery and backtest, with nominal levels and bands) written into ``out_dir``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for section in ("recovery", "recovery_v2"):
        rec = data.get(section)
        if not (rec and rec.get("groups")):
            continue
        groups = list(rec["groups"])
        fig, axes = plt.subplots(1, 2, figsize=(10, 0.35 * len(groups) + 1.5), sharey=True)
        for ax, level, key, band in (
            (axes[0], 0.5, "coverage50", "band50_per_sim"),
            (axes[1], 0.9, "coverage90", "band90_per_sim"),
        ):
            ys = np.arange(len(groups))
            for i, g in enumerate(groups):
                lo, hi = rec["groups"][g][band]
                ax.plot([lo, hi], [i, i], color="0.8", lw=6, solid_capstyle="butt")
            ax.plot([rec["groups"][g][key] for g in groups], ys, "o", color="C0")
            ax.axvline(level, color="k", lw=1, ls="--")
            ax.set_xlim(0, 1)
            ax.set_title(f"{section}: {level:.0%} intervals, {rec['n_sims']} simulations")
            ax.set_yticks(ys, groups)
        fig.tight_layout()
        p = out_dir / f"validation_{section}_coverage.png"
        fig.savefig(p, dpi=110)
        plt.close(fig)
        paths.append(p)
    bt = data.get("backtest")
    if bt and bt.get("per_cutoff"):
        methods = list(bt["per_cutoff"][0]["common"])
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), sharey=True)
        for ax, level, key in ((axes[0], 0.5, "coverage50"), (axes[1], 0.9, "coverage90")):
            width = 0.8 / len(methods)
            for j, m in enumerate(methods):
                vals = [pc["common"][m][key] or 0.0 for pc in bt["per_cutoff"]]
                ax.bar(np.arange(len(vals)) + j * width, vals, width, label=m)
            ax.axhline(level, color="k", lw=1, ls="--")
            ax.set_xticks(
                np.arange(len(bt["per_cutoff"])) + 0.4 - width / 2,
                [str(pc["cutoff"]) for pc in bt["per_cutoff"]],
            )
            ax.set_ylim(0, 1)
            ax.set_title(f"backtest {level:.0%} interval coverage")
            ax.set_xlabel("cutoff year")
        axes[0].legend(fontsize=8)
        fig.tight_layout()
        p = out_dir / "validation_backtest_coverage.png"
        fig.savefig(p, dpi=110)
        plt.close(fig)
        paths.append(p)
    from forecast.validation.render import evaluation_figures

    return paths + evaluation_figures(data, out_dir)


__all__ = [
    "SECTIONS",
    "VALIDATION_FILE",
    "validation_figures",
    "validation_markdown",
    "write_validation_json",
]
