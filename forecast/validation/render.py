"""Markdown and figures of the evaluation sections (nested, holdout, sold, sbc) and of the Bridge section."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from forecast.validation import _f, _pct, _table

ROW_METHODS = ("model", "thompson_poly", "thompson_poly_year", "thompson_exp", "thompson_exp_year", "pooled_ols")


def _methods_rows(label: str, block: dict[str, Any]) -> list[list[str]]:
    rows = []
    for m, v in block.get("methods", {}).items():
        c = v["common"]
        rows.append(
            [
                label,
                m,
                f"{c['n']}/{v['n_all']}",
                _pct(c["coverage50"]),
                _pct(c["coverage90"]),
                _f(c["mean_lpd"]),
                _f(c["mean_crps"], "{:.4f}"),
            ]
        )
    return rows


def _horizon_rows(label: str, block: dict[str, Any], method: str = "model") -> list[list[str]]:
    v = block.get("methods", {}).get(method)
    if not v:
        return []
    return [
        [label, h, str(s["n"]), _pct(s["coverage50"]), _pct(s["coverage90"]), _f(s["mean_crps"], "{:.4f}")]
        for h, s in v["by_horizon"].items()
    ]


METHOD_HEADER = ["origin", "method", "n common/all", "50% cov.", "90% cov.", "lpd", "CRPS"]
HORIZON_HEADER = ["origin", "years ahead", "n", "50% cov.", "90% cov.", "CRPS"]


def _crps_verdict(label: str, block: dict[str, Any]) -> str | None:
    ms = {m: v["common"]["mean_crps"] for m, v in block.get("methods", {}).items() if v["common"]["n"]}
    if "model" not in ms or len(ms) < 2:
        return None
    better = [m for m, c in ms.items() if m != "model" and c is not None and c < ms["model"]]
    if better:
        return f"{label}: baseline(s) with lower CRPS than the model: {', '.join(better)}."
    return f"{label}: the model has the lowest CRPS of every method."


def nested_md(nd: dict[str, Any]) -> list[str]:
    """The nested rolling origin: what the early origins chose, and the later origins' scores."""
    plan, ch = nd["plan"], nd["choice"]
    out = [
        "### Nested rolling origin",
        "",
        f"Specs ranked by {plan['score']} on the early origins {plan['early_cutoffs']} only (results published "
        f"after each, up to {plan['selection_window_end']:.2f}); the choice is then scored on the later "
        f"origins {plan['later_cutoffs']} (results up to {plan['holdout_after']}), which never influenced it. "
        "All scores on the error-rate scale.",
        "",
    ]
    chosen = ch.get("chosen")
    if chosen:
        out.append(
            f"**The early origins chose `{chosen}`** (overrides "
            f"`{nd['candidates'][chosen]['overrides'] or {}}`, spec `{nd['candidates'][chosen]['spec']}`)."
        )
    else:
        out.append(
            "**No candidate was eligible** (every one failed or could not be scored at some early origin): "
            "the later origins and the holdout use the base spec."
        )
    out += [
        "",
        _table(
            ["candidate", "rows (common)", "mean CRPS", "mean lpd"],
            [
                [r["candidate"], str(r["n"]), _f(r["mean_crps"], "{:.4f}"), _f(r["mean_lpd"])]
                for r in ch.get("ranking", [])
            ],
        ),
    ]
    for name, why in {**nd.get("skipped", {}), **ch.get("ineligible", {})}.items():
        out.append(f"- `{name}` not ranked: {why}")
    if ch.get("origins_dropped"):
        out.append(
            f"- origin(s) {', '.join(ch['origins_dropped'])} left out of the choice: no candidate's fit there passed "
            "the convergence checks after its refit, so they cannot tell the candidates apart"
        )
    status = [
        [
            n,
            c,
            v["status"],
            f"{v['convergence']['max_rhat']:.3f}",
            f"{v['convergence']['min_ess_bulk']:.0f}",
            str(v["convergence"]["divergences"]),
        ]
        for n, by in nd.get("early", {}).items()
        for c, v in by.items()
    ]
    out += [
        "",
        "Early-origin fits:",
        "",
        _table(["candidate", "origin", "status", "max R-hat", "min bulk ESS", "divergences"], status),
    ]
    later = nd.get("later", {})
    if later:
        rows, hrows, notes, frows = [], [], [], []
        for c, v in later.items():
            if v["status"] == "failed":
                notes.append(f"- later origin {c}: fit failed its convergence checks after one refit: not scored.")
                continue
            if "rows" in v:
                rows += _methods_rows(c, v["rows"])
                hrows += _horizon_rows(c, v["rows"])
                verdict = _crps_verdict(f"origin {c}", v["rows"])
                if verdict:
                    notes.append(f"- {verdict}")
            fr = v.get("frontier", {})
            if fr.get("n"):
                frows += _methods_rows(c, fr)
        out += [
            "",
            f"Later origins (chosen spec `{chosen or 'base'}`):",
            "",
            _table(METHOD_HEADER, rows),
            "",
            "Model coverage by horizon (whole years after the origin):",
            "",
            _table(HORIZON_HEADER, hrows),
        ]
        pooled = nd.get("later_pooled_by_horizon", {})
        if pooled:
            out += [
                "",
                "All later origins pooled, by horizon (90% coverage / CRPS; common rows):",
                "",
                _table(
                    ["method", *sorted({h for by in pooled.values() for h in by})],
                    [
                        [m]
                        + [
                            f"{_pct(by[h]['coverage90'])} / {_f(by[h]['mean_crps'], '{:.4f}')} (n={by[h]['n']})"
                            if h in by
                            else "-"
                            for h in sorted({h for b in pooled.values() for h in b})
                        ]
                        for m, by in pooled.items()
                    ],
                ),
            ]
        if frows:
            out += [
                "",
                "Frontier path (each benchmark's best later result vs the projected frontier band):",
                "",
                _table(METHOD_HEADER, frows),
            ]
        out += [""] + notes
    return out


def _sampling_text(fit: dict[str, Any]) -> str:
    """How a fit was sampled: its attempts (chains x draws, tuning, target acceptance) and its status."""
    attempts = fit.get("attempts") or []
    if not attempts:
        return ""
    parts = [f"{a.get('chains', fit.get('sampler', {}).get('chains', '?'))} x {a['draws']} draws "
             f"({a['tune']} tuning, target acceptance {a['target_accept']:g}): "
             f"{'converged' if a.get('converged') else 'not converged'}" for a in attempts]
    return " Sampled " + "; refitted ".join(parts) + "."


def holdout_md(ho: dict[str, Any]) -> list[str]:
    """The untouched holdout."""
    out = [
        "### Untouched holdout",
        "",
        f"Spec `{ho['spec']}` ({ho.get('chosen_by', '')}) fitted once on results published up to "
        f"{ho['holdout_after']}; {ho['results_after_date']} results were published after it, "
        f"{ho['scored_rows']} of them scorable (domain and compute), and {ho['scored_frontier_targets']} "
        "benchmarks have a later best result for the frontier check." + _sampling_text(ho),
        "",
    ]
    if ho["status"] == "failed":
        return out + ["The holdout fit failed its convergence checks after one refit: not scored."]
    rows = ho.get("rows", {})
    if rows:
        out += [
            _table(METHOD_HEADER, _methods_rows("holdout", rows)),
            "",
            _table(HORIZON_HEADER, _horizon_rows("holdout", rows)),
            "",
        ]
        dom = rows["methods"]["model"]["by_domain"]
        out += [
            _table(
                ["domain", "n", "50% cov.", "90% cov.", "lpd", "CRPS"],
                [
                    [
                        d,
                        str(s["n"]),
                        _pct(s["coverage50"]),
                        _pct(s["coverage90"]),
                        _f(s["mean_lpd"]),
                        _f(s["mean_crps"], "{:.4f}"),
                    ]
                    for d, s in dom.items()
                ],
            ),
            "",
        ]
        pit = rows["methods"]["model"]["pit_histogram"]
        out.append(f"PIT histogram of the model (10 bins, n = {pit['n']}): {pit['counts']}.")
        verdict = _crps_verdict("holdout", rows)
        if verdict:
            out.append(verdict)
    fr = ho.get("frontier", {})
    if fr.get("n"):
        out += [
            "",
            _table(
                ["benchmark", "best later result", "year", "error", "model 90% band", "naive 90%"],
                [
                    [
                        t["series"],
                        t["model_name"],
                        f"{t['year']:.2f}",
                        f"{t['error']:.4f}",
                        "inside" if t["model_in90"] else "outside",
                        "-" if t["naive_in90"] is None else ("inside" if t["naive_in90"] else "outside"),
                    ]
                    for t in fr["targets"]
                ],
            ),
        ]
    return out


def sold_md(sd: dict[str, Any]) -> list[str]:
    """The pseudo-wall check and the frontier checks' availability."""
    pw = sd["pseudo_wall"]
    out = [
        "### Crossing years (pseudo-wall)",
        "",
        f"Budget: {pw['budget_rule']}; outcomes up to each benchmark's last result (at most "
        f"{pw['data_end']:.1f}). {pw['n_cases']} (origin, benchmark) "
        f"cases, {pw['n_crossed']} crossed; consistent with the 90% interval: {_pct(pw['share_consistent'])} "
        f"(crossed cases: {_pct(pw['coverage90_crossed'])}).",
        "",
    ]
    rows = [
        [
            f"{c['cutoff']:.0f}",
            c["series"],
            f"{c['budget_log10_flop']:.1f}",
            f"{_f(c['predicted']['median'], '{:.1f}')} [{_f(c['predicted']['low'], '{:.1f}')}, "
            f"{_f(c['predicted']['high'], '{:.1f}')}]",
            c["outcome"] if c["observed_year"] is None else f"{c['observed_year']:.1f}",
            "yes" if c["consistent"] else "**no**",
            "" if c["identified"] else "slope sign not identified",
        ]
        for c in pw["cases"]
        if "consistent" in c
    ]
    out.append(
        _table(
            ["origin", "benchmark", "budget log10 FLOP", "predicted crossing", "observed", "consistent", "note"], rows
        )
    )
    fr = sd.get("frontier", {})
    out += [
        "",
        "Frontier compute and cost checks: "
        + ("see the `frontier` entry of validation.json." if fr.get("available") else f"not run ({fr.get('reason')})."),
    ]
    return out


def sbc_md(sb: dict[str, Any]) -> list[str]:
    """SBC uniformity per parameter group."""
    out = [
        "### Simulation-based calibration",
        "",
        f"{sb['n_sims']} simulations from the prior predictive of `{sb.get('spec', '')}`, ranks among "
        f"{sb['rank_draws']} thinned draws, {sb['bins']} bins, {sb['band_mass']:.0%} binomial band per bin; "
        f"{sb['n_converged']} of {sb['n_sims']} fits had split R-hat <= 1.01 and no divergence "
        f"({sb['total_divergences']} "
        f"divergences in all). Compile {', '.join(f'{c:.0f}' for c in sb['compile_s'])} s (once per chunk), median fit "
        f"{_f(sb['fit_s_median'], '{:.1f}')} s.",
        "",
    ]
    rows = [
        [
            g,
            str(v["elements"]),
            f"{v['element_bins_outside_band']}/{v['element_bins']}",
            _f(v["min_p_uniform"], "{:.3f}"),
            "yes" if v["uniform"] else "**no**",
        ]
        for g, v in sb["groups"].items()
    ]
    out.append(_table(["group", "elements", "bins outside band", "min p (chi2)", "uniform"], rows))
    bad = sb.get("non_uniform_groups", [])
    out += [
        "",
        "Not uniform: " + ", ".join(f"`{g}`" for g in bad) + "."
        if bad
        else "Every group's ranks are uniform within the test.",
    ]
    return out


def bridge_md(br: dict[str, Any]) -> str:
    """The Bridge section: Thompson's method on his points beside his figures, then each change."""
    pub, th = br["published"], br["thompson_method_on_published_points"]
    s = th["summary"]
    out = [
        "## Bridge: from Thompson et al.'s numbers to this model's",
        "",
        f"Published ({pub['source']}): {pub['years_per_10x']:g} years of algorithmic progress per 10x compute; "
        f"5% ImageNet error needs ~10^{pub['imagenet_5pct_compute_multiple_log10']:g}x more compute; observed "
        f"scaling k >= {pub['k_observed_at_least']:g} vs theory's {pub['k_theory']:g}.",
        "",
        _table(
            ["row", "years per 10x", "k (ImageNet, at best error)", "5% ImageNet error: log10 compute multiple"],
            [
                [
                    "published (~1,058 papers)",
                    f"{pub['years_per_10x']:g}",
                    f">= {pub['k_observed_at_least']:g}",
                    f"{pub['imagenet_5pct_compute_multiple_log10']:g}",
                ],
                [
                    "Thompson's method on his public frontier points",
                    f"{_f(s['years_per_10x_median_poly_year'])} (median of benchmarks; range "
                    f"{_f((s['years_per_10x_range_poly_year'] or [None])[0])}-"
                    f"{_f((s['years_per_10x_range_poly_year'] or [None, None])[1])}), polynomial + year",
                    f"{_f(s['k_imagenet_poly'], '{:.1f}')} (polynomial)",
                    f"{_f(s['imagenet_5pct_log10_multiple_poly'], '{:.1f}')} (polynomial); "
                    f"{_f(s['imagenet_5pct_log10_multiple_poly_year'], '{:.1f}')} (polynomial + year)",
                ],
            ],
        ),
        "",
        f"Why they differ: {br['why_different']}",
        "",
        "Per benchmark (Thompson's method; R^2 of the polynomial form without / with year):",
        "",
    ]
    rows = []
    for b, v in th["per_benchmark"].items():
        py, p = v.get("poly_year") or {}, v.get("poly") or {}
        ey = v.get("exp_year") or {}
        rows.append(
            [
                b,
                str(v["n"]),
                _f(p.get("r2")) + " / " + _f(py.get("r2")),
                _f(py.get("years_per_10x")),
                _f(ey.get("years_per_10x")),
                _f(p.get("k_at_best"), "{:.1f}"),
            ]
        )
    out += [
        _table(["benchmark", "n", "R^2", "years/10x poly+year", "years/10x exp+year", "k (poly)"], rows),
        "",
        "Then the project's changes, one at a time (median [90% interval]):",
        "",
    ]
    srows = []
    for st in br["steps"]:
        if st["status"] == "failed":
            srows.append([st["label"], str(st["n_obs"]), "**failed** (not converged after one refit)", "-", "-", "-"])
            continue
        ypt = st["years_per_10x"].get("image_classification")
        srows.append(
            [
                st["label"],
                str(st["n_obs"]),
                st["status"],
                _qfmt(ypt),
                _qfmt(st.get("years_per_10x_shared")),
                _qfmt(st.get("k_imagenet")) + " / " + _qfmt(st.get("imagenet_5pct_log10_multiple")),
            ]
        )
    out.append(
        _table(
            [
                "step",
                "results",
                "fit",
                "years/10x (image classification)",
                "years/10x (shared)",
                "k / 5% ImageNet log10 multiple",
            ],
            srows,
        )
    )
    for name, why in br.get("skipped", {}).items():
        out.append(f"- step `{name}` skipped: {why}")
    return "\n".join(out) + "\n"


def _qfmt(q: dict[str, Any] | None) -> str:
    if not q:
        return "-"
    return f"{_f(q['median'], '{:.1f}')} [{_f(q['low'], '{:.1f}')}, {_f(q['high'], '{:.1f}')}]"


def evaluation_figures(data: dict[str, Any], out_dir: Path) -> list[Path]:
    """SBC rank histograms, holdout/later PIT histograms and the bridge figure (whichever sections exist)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths: list[Path] = []
    sb = data.get("sbc")
    if sb and sb.get("groups"):
        groups = list(sb["groups"])
        ncol = 6
        nrow = int(np.ceil(len(groups) / ncol))
        fig, axes = plt.subplots(nrow, ncol, figsize=(2.2 * ncol, 1.6 * nrow), squeeze=False)
        for ax, g in zip(axes.ravel(), groups, strict=False):
            v = sb["groups"][g]
            counts = np.asarray(v["counts_summed"], dtype=float) / v["elements"]
            lo, hi = v["band_per_element"]
            ax.axhspan(lo, hi, color="0.85")
            ax.bar(np.arange(len(counts)), counts, color="C0" if v["uniform"] else "C3")
            ax.set_title(g, fontsize=7)
            ax.set_xticks([])
            ax.tick_params(labelsize=6)
        for ax in axes.ravel()[len(groups) :]:
            ax.axis("off")
        fig.suptitle(f"SBC rank histograms (per element average; grey: {sb['band_mass']:.0%} band)", fontsize=9)
        fig.tight_layout()
        paths.append(_save(fig, out_dir / "validation_sbc_ranks.png"))
        plt.close(fig)
    pits = {}
    ho = data.get("holdout") or {}
    if ho.get("rows"):
        pits["holdout"] = ho["rows"]["methods"]["model"]["pit_histogram"]
    for c, v in (data.get("nested") or {}).get("later", {}).items():
        if v.get("rows"):
            pits[f"origin {c}"] = v["rows"]["methods"]["model"]["pit_histogram"]
    if pits:
        fig, axes = plt.subplots(1, len(pits), figsize=(2.8 * len(pits), 2.4), squeeze=False)
        for ax, (name, h) in zip(axes[0], pits.items(), strict=True):
            if h["n"]:
                ax.axhspan(*h["band_counts"], color="0.85")
            ax.bar(
                np.arange(len(h["counts"])) / len(h["counts"]), h["counts"], width=1 / len(h["counts"]), align="edge"
            )
            ax.set_title(f"PIT, {name} (n={h['n']})", fontsize=8)
        fig.tight_layout()
        paths.append(_save(fig, out_dir / "validation_pit.png"))
        plt.close(fig)
    return paths


def bridge_figure(br: dict[str, Any], out_dir: Path) -> Path | None:
    """Years per 10x (image classification) and the 5%-ImageNet multiple after each step, Thompson first."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = br["thompson_method_on_published_points"]["summary"]
    labels = ["published", "Thompson's method\n(public points)"]
    ypt = [(br["published"]["years_per_10x"],) * 3, (s["years_per_10x_median_poly_year"],) * 3]
    mult = [
        (br["published"]["imagenet_5pct_compute_multiple_log10"],) * 3,
        (s["imagenet_5pct_log10_multiple_poly"],) * 3,
    ]
    for st in br["steps"]:
        if st["status"] == "failed":
            continue
        labels.append(st["step"])
        q = st["years_per_10x"].get("image_classification") or {}
        ypt.append((q.get("median"), q.get("low"), q.get("high")))
        m = st.get("imagenet_5pct_log10_multiple") or {}
        mult.append((m.get("median"), m.get("low"), m.get("high")))
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    for ax, vals, title in (
        (axes[0], ypt, "years of algorithms per 10x compute (image classification)"),
        (axes[1], mult, "log10 compute multiple for 5% ImageNet top-1 error"),
    ):
        xs = np.arange(len(vals))
        med = np.array([np.nan if v[0] is None else v[0] for v in vals], dtype=float)
        lo = np.array([np.nan if v[1] is None else v[1] for v in vals], dtype=float)
        hi = np.array([np.nan if v[2] is None else v[2] for v in vals], dtype=float)
        ax.errorbar(xs, med, yerr=[np.clip(med - lo, 0, None), np.clip(hi - med, 0, None)], fmt="o", capsize=3)
        ax.set_xticks(xs, labels, rotation=35, ha="right", fontsize=7)
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    path = _save(fig, out_dir / "bridge.png")
    plt.close(fig)
    return path


def _save(fig: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return path
