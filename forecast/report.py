"""Reports: ``reports/<name>/report.md`` and a self-contained ``report.html`` from a saved run.

A report reads the saved run only and never samples. Its sections, in order: the headline (wall years
per domain and budget), the data, convergence and a posterior predictive check, per-domain fits,
algorithmic progress against the anchors, the scaling exponent against theory, the run beside the
other specs its ``[forecast] side_by_side`` lists (:mod:`forecast.side_by_side`, from their saved runs),
the projection table, the cost of staying on trend (fan
charts with the budgets, the wall and spending tables), and the assumptions with the TOML keys that
change them. The forecast tables are also written as CSV beside the report, each row carrying the
run's path, data hash and creation time, so every number in the report traces to the run it names.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from forecast import plots, policy
from forecast.atomic import atomic_write_bytes, atomic_write_text
from forecast.config import check_run_name
from forecast.errors import ConfigError, ReportError, RunError
from forecast.forecasts import (
    ANCHORS,
    COTTIER_GROWTH,
    SAMPLE_DIMS,
    WALL_BY_YEARS,
    Forecasts,
    compare_links,
    compute_forecasts,
    format_year,
    headline,
    sibling_link_runs,
    summarize,
)
from forecast.identification import not_identified_note, ratio_rule_text, rule_text
from forecast.run import Run, load_run
from forecast.theory import format_theory

if TYPE_CHECKING:
    from forecast.side_by_side import SideBySide

VALIDATION_JSON = "validation.json"
REPORT_MD = "report.md"
REPORT_HTML = "report.html"
FIGURE_DIR = "figures"


# ----------------------------------------------------------------------------- a tiny document model
@dataclass
class _Block:
    kind: str  # h1 h2 h3 p warn table fig pre
    text: str = ""
    table: pd.DataFrame | None = None
    png: bytes = b""
    name: str = ""


@dataclass
class Document:
    """Blocks rendered identically to Markdown and to self-contained HTML."""

    title: str
    blocks: list[_Block] = field(default_factory=list)
    figures: bool = True

    def h(self, level: int, text: str) -> None:
        """Add a heading."""
        self.blocks.append(_Block(f"h{level}", text))

    def p(self, text: str) -> None:
        """Add a paragraph (Markdown inline syntax kept as is; HTML gets it escaped)."""
        self.blocks.append(_Block("p", text))

    def warn(self, text: str) -> None:
        """Add a loud warning box."""
        self.blocks.append(_Block("warn", text))

    def pre(self, text: str) -> None:
        """Add preformatted text."""
        self.blocks.append(_Block("pre", text))

    def markdown(self, text: str) -> None:
        """Add a Markdown fragment (kept as is in Markdown; preformatted in HTML)."""
        self.blocks.append(_Block("md", text))

    def table(self, df: pd.DataFrame) -> None:
        """Add a table (cells already formatted as strings)."""
        self.blocks.append(_Block("table", table=df))

    def fig(self, name: str, caption: str, draw: Callable[[], bytes]) -> None:
        """Add a figure with a caption; ``draw()`` returns its PNG bytes (not called without figures)."""
        if self.figures:
            self.blocks.append(_Block("fig", caption, png=draw(), name=name))

    def to_markdown(self, figure_dir: str = FIGURE_DIR) -> str:
        """Markdown, figures linked as ``figures/<name>.png``."""
        out = [f"# {md_safe(self.title)}", ""]
        for b in self.blocks:
            if b.kind.startswith("h"):
                out += ["#" * (int(b.kind[1]) + 1) + " " + md_safe(b.text), ""]
            elif b.kind == "p":
                out += [md_safe(b.text), ""]
            elif b.kind == "warn":
                out += [f"> **{md_safe(b.text)}**", ""]
            elif b.kind == "pre":
                fence = "`" * max(3, 1 + max((len(r) for r in re.findall("`+", b.text)), default=0))
                out += [fence, b.text, fence, ""]
            elif b.kind == "md":
                out += [md_safe(b.text), ""]
            elif b.kind == "table" and b.table is not None:
                out += [_md_table(b.table), ""]
            elif b.kind == "fig":
                caption = md_safe(b.text)
                out += [f"![{caption}]({figure_dir}/{b.name}.png)", "", f"*{caption}*", ""]
        return "\n".join(out)

    def to_html(self) -> str:
        """One self-contained HTML page (figures as base64 PNG)."""
        body = [f"<h1>{html.escape(self.title)}</h1>"]
        for b in self.blocks:
            if b.kind.startswith("h"):
                lvl = int(b.kind[1]) + 1
                body.append(f"<h{lvl}>{html.escape(b.text)}</h{lvl}>")
            elif b.kind == "p":
                body.append(f"<p>{_inline(b.text)}</p>")
            elif b.kind == "warn":
                body.append(f'<div class="warn">{_inline(b.text)}</div>')
            elif b.kind in ("pre", "md"):
                body.append(f"<pre>{html.escape(b.text)}</pre>")
            elif b.kind == "table" and b.table is not None:
                body.append(_html_table(b.table))
            elif b.kind == "fig":
                data = base64.b64encode(b.png).decode("ascii")
                body.append(
                    f'<figure><img alt="{html.escape(b.text)}" src="data:image/png;base64,{data}">'
                    f"<figcaption>{html.escape(b.text)}</figcaption></figure>"
                )
        style = (
            "body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;"
            "line-height:1.45}table{border-collapse:collapse;font-size:0.85em;margin:0.5em 0 1.2em}"
            "td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}th{background:#f3f3f3}"
            ".warn{background:#fde2e2;border:3px solid #c00;color:#900;font-weight:bold;padding:0.8em;"
            "margin:1em 0}img{max-width:100%}figcaption{font-style:italic;font-size:0.9em}"
            "pre{background:#f6f6f6;padding:0.6em;overflow-x:auto}code{background:#f3f3f3}"
        )
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(self.title)}</title><style>{style}</style></head><body>\n"
            + "\n".join(body)
            + "\n</body></html>\n"
        )


_MD_UNSAFE = (
    # raw HTML (<script>, <img onerror=...>, <!-- -->) and <javascript:...> autolinks; "P(beta<0)" stays
    (re.compile(r"<(?=[A-Za-z/!?])"), "&lt;"),
    (re.compile(r"\]\s*\("), "]\\("),  # [text](url): inline links and images
    (re.compile(r"\]\s*:"), "]\\:"),  # [ref]: url: link reference definitions
    (re.compile(r"(?i)(java|vb)script\s*:"), lambda m: m.group(0).rstrip(":") + "&#58;"),
)


def md_safe(text: str) -> str:
    """Markdown that shows ``text`` as text: no raw HTML, no links, no ``javascript:`` URLs.

    Applied to every string the report writes outside code spans (data strings, run names and
    validation results can hold anything); ``**bold**`` and `` `code` `` keep working. Inside code
    spans nothing is interpreted, so they are left as they are.
    """
    parts = re.split(r"(`+[^`]*`+)", str(text))
    for i in range(0, len(parts), 2):
        for pattern, repl in _MD_UNSAFE:
            parts[i] = pattern.sub(repl, parts[i])
    return "".join(parts)


def _md_cell(value: Any) -> str:
    return md_safe(str(value).replace("|", "\\|").replace("\n", " "))


def _md_table(df: pd.DataFrame) -> str:
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(_md_cell(c) for c in cols) + " |", "|" + "---|" * len(cols)]
    for _, row in df.iterrows():
        lines.append("| " + " | ".join(_md_cell(v) for v in row.to_list()) + " |")
    return "\n".join(lines)


def _html_table(df: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>"
        for r in df.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _inline(text: str) -> str:
    """Escape, then render the Markdown we use inline: **bold** and `code`."""
    out = html.escape(text)
    parts = out.split("**")
    out = "".join(p if i % 2 == 0 else f"<strong>{p}</strong>" for i, p in enumerate(parts))
    parts = out.split("`")
    return "".join(p if i % 2 == 0 else f"<code>{p}</code>" for i, p in enumerate(parts))


# ----------------------------------------------------------------------------- number formats
def fmt(value: float, digits: int = 2) -> str:
    """Format a number with ``digits`` decimals; ``inf`` / NaN spelled out."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "n/a"
    if np.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.{digits}f}"


def fmt_interval(row: pd.Series, prefix: str, digits: int = 2, inner: bool = False) -> str:
    """``'median [lo, hi]'`` from a summary row's ``<prefix>_median/_lo/_hi`` (or ``_lo50/_hi50``)."""
    lo, hi = ("lo50", "hi50") if inner else ("lo", "hi")
    return (
        f"{fmt(row[f'{prefix}_median'], digits)} "
        f"[{fmt(row[f'{prefix}_{lo}'], digits)}, {fmt(row[f'{prefix}_{hi}'], digits)}]"
    )


def fmt_years(row: pd.Series, prefix: str, horizon: int, t0: int, which: str) -> str:
    """Wall-year cell: the median or a ``lo-hi`` interval (``already (T0)``, ``after <horizon>``)."""
    if which == "median":
        return format_year(float(row[f"{prefix}_median"]), horizon, t0)
    lo, hi = ("lo50", "hi50") if which == "inner" else ("lo", "hi")
    return (
        f"{format_year(float(row[f'{prefix}_{lo}']), horizon)} to "
        f"{format_year(float(row[f'{prefix}_{hi}']), horizon)}"
    )


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


# ----------------------------------------------------------------------------- checks on the fit
def ppc_summary(run: Run) -> tuple[pd.DataFrame, np.ndarray] | None:
    """Posterior predictive check of ``y``: per-domain coverage of the 50%/90% intervals and mean PIT.

    Returns ``None`` when the run has no posterior predictive group.
    """
    tree = run.trace
    if "posterior_predictive" not in tree.children or "observed_data" not in tree.children:
        return None
    pp_ds = tree["posterior_predictive"].to_dataset()
    obs_ds = tree["observed_data"].to_dataset()
    if "y" not in pp_ds or "y" not in obs_ds:
        return None
    pp, y = pp_ds["y"], obs_ds["y"]
    pit = (pp <= y).mean(SAMPLE_DIMS).to_numpy()
    lo, hi = policy.interval_bounds(policy.INTERVAL_PROB)
    ilo, ihi = policy.interval_bounds(policy.INNER_INTERVAL_PROB)
    q = pp.quantile([lo, hi, ilo, ihi], dim=list(SAMPLE_DIMS))
    inside = ((y >= q.isel(quantile=0)) & (y <= q.isel(quantile=1))).to_numpy()
    inside_inner = ((y >= q.isel(quantile=2)) & (y <= q.isel(quantile=3))).to_numpy()
    dom_idx = run.data.obs["domain_idx"].to_numpy()
    rows = []
    groups = [(d, dom_idx == i) for i, d in enumerate(run.data.domains)] + [("all", np.ones_like(pit, bool))]
    for name, m in groups:
        if not m.any():
            continue
        rows.append(
            {
                "domain": name,
                "results": int(m.sum()),
                f"coverage_{policy.INTERVAL_PROB:.0%}": float(inside[m].mean()),
                f"coverage_{policy.INNER_INTERVAL_PROB:.0%}": float(inside_inner[m].mean()),
                "mean_pit": float(pit[m].mean()),
                "share_pit_outside_5_95": float(((pit[m] < 0.05) | (pit[m] > 0.95)).mean()),
            }
        )
    return pd.DataFrame(rows), pit


# ----------------------------------------------------------------------------- the report
def default_report_dir(run: Run) -> Path:
    """``reports/<name>`` (relative to the working directory); the name must be a safe run name.

    Raises
    ------
    RunError
        The run's name is not one safe folder name (a crafted run file), so it is not used as a path.
    """
    try:
        return Path("reports") / check_run_name(run.name, "the run's name")
    except ConfigError as exc:
        raise RunError(f"{run.path or 'run'}: {exc}") from None


def load_validation(path: str | Path) -> dict[str, Any] | None:
    """The content of a ``validation.json`` (``forecast validate``), or ``None`` when there is none.

    Raises
    ------
    ReportError
        The file exists but is not UTF-8 JSON holding an object (e.g. a merge conflict in it).
    """
    path = Path(path)
    if not path.is_file():
        return None
    try:
        content = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else " ".join(str(exc).split())
        raise ReportError(f"{path}: not a valid validation file ({reason}); fix or delete it, or rerun "
                          "`forecast validate`") from None
    if not isinstance(content, dict):
        raise ReportError(f"{path}: not a valid validation file (expected a JSON object)")
    return content


def spec_source(run: Run) -> str:
    """Return the model spec file the run was fitted from (stored in the run), else the spec's own source."""
    return str(run.meta.get("spec_source", run.spec.source))


def _provenance_line(fc: Forecasts, run: Run) -> str:
    return (
        f"Run: `{fc.run_path}` (name `{fc.run_name}`) | data_hash: `{fc.data_hash or '(none recorded)'}` | "
        f"created: {fc.created or '(unknown)'} | link: `{fc.link}` | model spec: `{spec_source(run)}` "
        f"(merged spec stored in the run)"
    )


def headline_table(fc: Forecasts) -> pd.DataFrame:
    """Domains x budgets: wall-year median with the 90% interval (the report's first table)."""
    horizon, t0 = int(fc.wall.attrs["horizon_year"]), fc.last_data_year
    rows = []
    for dom, grp in fc.wall_table.groupby("domain", sort=False):
        row: dict[str, str] = {"domain": str(dom), "benchmark": str(grp["benchmark"].iloc[0])}
        for _, r in grp.iterrows():
            row[str(r["budget"])] = (
                f"{fmt_years(r, 'wall', horizon, t0, 'median')} "
                f"({fmt_years(r, 'wall', horizon, t0, 'outer')})"
            )
            if bool(r.get("saturates_first", False)):  # error floors: the frontier nears its floor first
                row[str(r["budget"])] = f"saturates first (P = {r['p_saturates_first']:.2f})"
        ident = bool(grp["identified"].iloc[0])
        row["identified"] = "yes" if ident else f"NO (P(beta<0) = {grp['p_beta_negative'].iloc[0]:.2f})"
        rows.append(row)
    return pd.DataFrame(rows)


def wall_display(fc: Forecasts, table: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """Format the wall (``prefix='wall'``) or spending (``'cross'``) table for the report."""
    horizon, t0 = int(fc.wall.attrs["horizon_year"]), fc.last_data_year
    out = pd.DataFrame(
        {
            "domain": table["domain"],
            "benchmark": table["benchmark"],
            "budget": table["budget"],
            "median year": [fmt_years(r, prefix, horizon, t0, "median") for _, r in table.iterrows()],
            f"{policy.INNER_INTERVAL_PROB:.0%}": [
                fmt_years(r, prefix, horizon, t0, "inner") for _, r in table.iterrows()
            ],
            f"{policy.INTERVAL_PROB:.0%}": [
                fmt_years(r, prefix, horizon, t0, "outer") for _, r in table.iterrows()
            ],
        }
    )
    for y in WALL_BY_YEARS:
        out[f"P(by {y})"] = [fmt(v, 3) for v in table[f"p_by_{y}"]]
    out["P(already)"] = [fmt(v, 3) for v in table["p_already"]]
    out[f"never by {horizon}"] = [
        f"{n} of {d}" for n, d in zip(table["n_never"], table["n_draws"], strict=True)
    ]
    out["error reached"] = [fmt_interval(r, f"error_at_{prefix}", 4) for _, r in table.iterrows()]
    if "p_saturates_first" in table:
        out["P(saturates first)"] = [fmt(v, 3) for v in table["p_saturates_first"]]
    out["identified"] = ["yes" if ok else "NO" for ok in table["identified"]]
    return out


def targets_display(table: pd.DataFrame) -> pd.DataFrame:
    """Format the projection table: log10 FLOP, log10 constant $ and log10 kg CO2 with intervals.

    With error floors, a column gives the share of draws whose target lies below the floor (no compute
    reaches it; the intervals are over the other draws).
    """
    out = pd.DataFrame(
        {
            "benchmark": table["benchmark"],
            "best error": [fmt(v, 4) for v in table["best_error"]],
            "target error": [fmt(v, 4) for v in table["target_error"]],
            "year": table["year"].astype(int),
            "log10 FLOP": [fmt_interval(r, "log10_flop", 2) for _, r in table.iterrows()],
            "log10 $": [fmt_interval(r, "log10_usd", 2) for _, r in table.iterrows()],
            "log10 kg CO2": [fmt_interval(r, "log10_co2_kg", 2) for _, r in table.iterrows()],
            "decades beyond data": [fmt(v, 1) for v in table["decades_beyond_data"]],
            "identified": ["yes" if ok else "NO" for ok in table["identified"]],
        }
    )
    if "p_below_floor" in table and (table["p_below_floor"] > 0).any():
        out["P(below floor)"] = [fmt(v, 2) for v in table["p_below_floor"]]
    return out


def progress_display(table: pd.DataFrame) -> pd.DataFrame:
    """Years per 10x compute (median, 50% and 90%), decades per year, halving months, P(beta<0)."""
    out = pd.DataFrame(
        {
            "domain": table["domain"],
            "years per 10x (median [90%])": [
                fmt_interval(r, "years_per_10x", 2) for _, r in table.iterrows()
            ],
            "years per 10x [50%]": [
                f"[{fmt(r['years_per_10x_lo50'])}, {fmt(r['years_per_10x_hi50'])}]"
                for _, r in table.iterrows()
            ],
            "decades of compute per year": [
                fmt_interval(r, "decades_per_year", 2) for _, r in table.iterrows()
            ],
            "compute halving, months": [fmt_interval(r, "halving_months", 1) for _, r in table.iterrows()],
            "P(beta<0)": [fmt(v, 3) for v in table["p_beta_negative"]],
            "P(gamma<0)": [fmt(v, 3) for v in table["p_gamma_negative"]],
            "P(gamma/beta > 0)": [fmt(v, 3) for v in table["p_progress"]],
        }
    )
    out["identified"] = [
        "yes" if ratio else "NOT IDENTIFIED (k)" if not compute else "NOT IDENTIFIED (sign of progress)"
        for compute, ratio in zip(table["identified"], table["ratio_identified"], strict=True)
    ]
    return out


def _data_section(doc: Document, run: Run) -> None:
    data = run.data
    obs = data.obs
    doc.h(1, "The data")
    span = f"{obs['year'].min():.1f}-{obs['year'].max():.1f}"
    n_hw = int((obs["measure"] == "hardware_burden").sum()) if "measure" in obs else 0
    doc.p(
        f"{len(obs)} published results with compute ({n_hw} known only by hardware burden), "
        f"{len(data.series)} benchmarks in {len(data.domains)} domains, published {span}; "
        f"{len(data.frontier)} frontier (state-of-the-art when published) points; "
        f"{len(data.notable)} notable "
        f"models for the compute trend; {len(data.prices)} compute prices and {len(data.energy)} chips "
        f"for the price and energy trends."
    )
    best = data.best.set_index("series")
    rows = []
    for s in data.series:
        g = obs[obs["series"] == s]
        rows.append(
            {
                "benchmark": s,
                "domain": str(best.loc[s, "domain"]),
                "results": len(g),
                "hardware-only": int((g["measure"] == "hardware_burden").sum()) if "measure" in g else 0,
                "years": f"{g['year'].min():.1f}-{g['year'].max():.1f}",
                "frontier points": int((data.frontier["series"] == s).sum()),
                "best error": fmt(float(best["best_error"][s]), 4),
                "best model": str(best.loc[s, "best_model"]),
                "best year": fmt(float(best["best_year"][s]), 1),
            }
        )
    doc.table(pd.DataFrame(rows))
    if "source" in obs:
        n_src = obs["source"].nunique()
        comp = obs["compute_source"].replace("", "(none)").value_counts() if "compute_source" in obs else None
        txt = f"Results come from {n_src} distinct sources (papers / leaderboards)."
        if comp is not None:
            txt += " Compute estimates from: " + "; ".join(f"{k} ({v})" for k, v in comp.items()) + "."
        doc.p(txt)
    if data.dropped:
        doc.p(
            "Rows left out when the model data were prepared: "
            + "; ".join(f"{k}: {v}" for k, v in data.dropped.items())
            + "."
        )
    versions = run.meta.get("versions", {})
    if isinstance(versions, dict) and versions:
        doc.p(
            "Fitted with "
            + ", ".join(f"{k} {v}" for k, v in versions.items())
            + f"; sampler `{run.meta.get('sampler', run.spec.sampler.sampler)}`, "
            + f"seed {run.meta.get('seed', '?')}."
        )


def _convergence_section(doc: Document, run: Run) -> pd.DataFrame | None:
    doc.h(1, "Convergence and posterior predictive check")
    verdict = run.checks.verdict()
    if run.checks.converged:
        doc.p(f"Convergence: {verdict}.")
    else:
        doc.warn(f"THIS RUN DID NOT CONVERGE. {verdict}. Do not use these numbers; refit with more draws.")
    c = run.checks
    doc.table(
        pd.DataFrame(
            [
                {
                    "check": "max R-hat",
                    "value": fmt(c.max_rhat, 3),
                    "threshold": f"<= {policy.RHAT_MAX}",
                    "worst variable": c.worst.get("rhat", ""),
                },
                {
                    "check": "min bulk ESS",
                    "value": fmt(c.min_ess_bulk, 0),
                    "threshold": f">= {policy.ESS_BULK_MIN:.0f}",
                    "worst variable": c.worst.get("ess_bulk", ""),
                },
                {
                    "check": "min tail ESS",
                    "value": fmt(c.min_ess_tail, 0),
                    "threshold": f">= {policy.ESS_TAIL_MIN:.0f}",
                    "worst variable": c.worst.get("ess_tail", ""),
                },
                {
                    "check": "divergences",
                    "value": str(c.divergences),
                    "threshold": f"<= {policy.DIVERGENCES_MAX}",
                    "worst variable": "",
                },
                {
                    "check": "min E-BFMI",
                    "value": fmt(c.min_bfmi, 2),
                    "threshold": f">= {policy.EBFMI_MIN}",
                    "worst variable": "",
                },
            ]
        )
    )
    ppc = ppc_summary(run)
    if ppc is None:
        doc.warn("No posterior predictive draws in this run: the predictive check is missing.")
        return None
    table, pit = ppc
    doc.p(
        f"Posterior predictive check of the observed results (link scale): share of results inside the "
        f"{policy.interval_label()} and the {policy.INNER_INTERVAL_PROB:.0%} posterior predictive intervals "
        f"(calibrated: about {policy.INTERVAL_PROB:.0%} and {policy.INNER_INTERVAL_PROB:.0%}), and the PIT "
        f"(uniform when calibrated, mean 0.5)."
    )
    disp = table.copy()
    for col in disp.columns[2:]:
        disp[col] = [fmt(v, 3) for v in disp[col]]
    doc.table(disp)
    cov = {
        str(r["domain"]): (
            float(r[f"coverage_{policy.INNER_INTERVAL_PROB:.0%}"]),
            float(r[f"coverage_{policy.INTERVAL_PROB:.0%}"]),
        )
        for _, r in table.iterrows()
    }
    doc.fig(
        "ppc",
        "Posterior predictive check: PIT histogram and interval coverage per domain",
        lambda: plots.ppc_figure(pit, cov),
    )
    return table


def _fits_section(doc: Document, run: Run, fc: Forecasts) -> None:
    doc.h(1, "Per-domain fits")
    doc.p(
        f"Error against log10 training compute per benchmark: the posterior mean error at the benchmark's "
        f"median publication year with its {policy.interval_label()} band (uncertainty of the mean, not of "
        f"new results). Hollow markers: results known only by hardware burden, placed at the posterior mean "
        f"of their latent training compute. Slopes below are on the `{fc.link}` link scale per decade of "
        f"compute (beta) and per year (gamma); negative = lower error."
    )
    b, g = summarize(fc.progress["beta"]), summarize(fc.progress["gamma"])
    rows = []
    for dom in fc.progress["domain"].to_numpy():
        rows.append(
            {
                "domain": str(dom),
                "beta (per decade of FLOP)": f"{fmt(float(b['median'].sel(domain=dom)), 3)} "
                f"[{fmt(float(b['lo'].sel(domain=dom)), 3)}, "
                f"{fmt(float(b['hi'].sel(domain=dom)), 3)}]",
                "gamma (per year)": f"{fmt(float(g['median'].sel(domain=dom)), 3)} "
                f"[{fmt(float(g['lo'].sel(domain=dom)), 3)}, {fmt(float(g['hi'].sel(domain=dom)), 3)}]",
                "P(beta<0)": fmt(float(fc.progress["p_beta_negative"].sel(domain=dom)), 3),
            }
        )
    doc.table(pd.DataFrame(rows))
    doc.fig("fits", "Per-benchmark fits on log-compute axes", lambda: plots.fits_figure(run))


def _progress_section(doc: Document, fc: Forecasts) -> None:
    doc.h(1, "Algorithmic progress against the anchors")
    doc.p(
        f"Years of algorithmic progress equivalent to 10x training compute (beta / gamma), per domain and "
        f"for "
        f"the shared (population) slopes. Medians and {policy.interval_label()} intervals, never means: the "
        f"ratio is heavy-tailed. One rule decides identification in every table: {ratio_rule_text()}. Where "
        f"it fails the ratio is **NOT IDENTIFIED**: its interval is shown but means nothing."
    )
    doc.table(progress_display(fc.progress_table))
    anchors = pd.DataFrame(
        [
            {
                "source": a["source"],
                "scope": a["scope"],
                "years per 10x (95% CI)": f"{fmt(a['years_per_10x'], 2)}"
                + ("" if np.isnan(a["low"]) else f" [{fmt(a['low'], 2)}, {fmt(a['high'], 2)}]"),
                "as published": a["note"],
            }
            for a in ANCHORS
        ]
    )
    doc.p("Anchors (compute halving times converted with years per 10x = halving time x log2(10)):")
    doc.table(anchors)
    not_id = [d for d, ok in fc.identified.items() if not ok]
    if not_id:
        doc.warn(
            "NOT IDENTIFIED (compute effect too uncertain): "
            + ", ".join(not_id)
            + ". Their years-per-10x and walls are not estimates."
        )
    sign_unknown = fc.progress_table[fc.progress_table["identified"] & ~fc.progress_table["ratio_identified"]]
    if len(sign_unknown):
        doc.warn(
            "Years per 10x NOT IDENTIFIED (sign of algorithmic progress uncertain): "
            + ", ".join(f"{r['domain']} (P(gamma/beta > 0) = {r['p_progress']:.3f})"
                        for _, r in sign_unknown.iterrows())
            + ". Their compute effect (k) and walls are identified; the split of progress between compute and "
            "algorithms is not."
        )
    doc.fig(
        "progress",
        "Years per 10x compute: domains (blue; grey = not identified) and anchors (red)",
        lambda: plots.progress_figure(fc),
    )


def _theory_section(doc: Document, fc: Forecasts) -> None:
    """Implied scaling exponent k against theory, the decomposition, the ImageNet check, the prior check."""
    if fc.theory_table.empty:
        return
    doc.h(1, "Scaling exponent against theory; compute's share of the improvement")
    doc.p(
        "Thompson et al.'s first finding: compute grows as (1/error)^k with k >= 9 in practice against k = 4 "
        "from theory. k is implied at each domain's best error with the year held fixed (with error floors: of "
        "the reducible error). The shares split each domain's fitted improvement between its first and its "
        "best state-of-the-art result into more compute (beta x change in log compute) and better algorithms "
        "(gamma x years, plus the random walk where fitted)."
    )
    doc.pre(format_theory(fc.theory_table, fc.imagenet_check, fc.prior_check_table))


def _targets_section(doc: Document, fc: Forecasts, others: Sequence[Forecasts]) -> None:
    doc.h(1, "Projection table: what reaching lower error would take")
    fractions = ", ".join(str(f) for f in sorted(set(fc.targets_table["fraction"]), reverse=True))
    doc.p(
        f"For each benchmark and target error (best published error x {fractions}), "
        f"the training compute needed, its cost in constant {fc.targets.attrs.get('dollar_year')} dollars "
        f"(cloud "
        f"on-demand price per useful FLOP) and its CO2, in the last data year ({fc.last_data_year}) and "
        f"later "
        f"years (algorithmic progress lowers the compute needed). Cells: median [{policy.interval_label()}] "
        f"of log10 values (24.0 means 10^24). 'Decades beyond data': how far the median compute lies beyond "
        f"the largest training compute reported on that benchmark (an extrapolation of that many decades)."
    )
    doc.table(targets_display(fc.targets_table))
    if others:
        doc.h(2, "Side by side: the same targets under other links")
        comp = compare_links([fc, *others])
        last = comp[comp["year"] == fc.last_data_year]
        piv = last.assign(cell=[fmt_interval(r, "log10_flop", 2) for _, r in last.iterrows()])
        wide = piv.pivot_table(
            index=["benchmark", "fraction"], columns="link", values="cell", aggfunc="first"
        )
        wide = wide.reset_index()
        wide.columns = [
            str(c)
            if c not in fc.targets_table["link"].unique() and c not in [o.link for o in others]
            else f"log10 FLOP, {c} link"
            for c in wide.columns
        ]
        doc.p(
            "Runs compared: "
            + "; ".join(
                f"`{o.run_path}` ({o.link}, data_hash `{o.data_hash or 'none'}`)" for o in [fc, *others]
            )
            + f". Year {fc.last_data_year}; median [{policy.interval_label()}]."
        )
        doc.table(wide)


def _wall_section(doc: Document, fc: Forecasts, run: Run) -> None:
    horizon = int(fc.wall.attrs["horizon_year"])
    doc.h(1, "The cost of staying on trend, and the wall")
    doc.p(
        f"If each domain's best published error keeps improving at its historical frontier rate from "
        f"{fc.last_data_year}, the compute needed each year follows from inverting the performance equation "
        f"(algorithmic progress doing its share); times that year's price of compute (its own uncertain "
        f"trend) "
        f"it is the cost of staying on trend. The wall for a budget is the first year that cost exceeds it "
        f"(yearly grid). Draws that never reach it by {horizon} count as later than any year (they are not "
        f"dropped): a median 'after {horizon}' means most draws never hit it. 'already' = the cost exceeded "
        f"the budget in {fc.last_data_year}. Each domain uses its main benchmark (most results)."
    )
    doc.fig(
        "fan",
        "Cost of one training run on the frontier trend (fan: median, 50% and 90%), spending on the "
        "compute trend (dashed), and the budgets (dotted)",
        lambda: plots.fan_figure(fc, run.spec.forecast.fan_years),
    )
    doc.table(wall_display(fc, fc.wall_table, "wall"))
    doc.h(2, "Spending on the fitted compute trend")
    doc.p(
        "If compute keeps growing at each domain's fitted trend of notable models, when does that spending "
        "cross each budget, and what error does the performance model say it buys by then? The implied cost "
        f"growth per year is 10^(trend slope + price slope), next to Cottier et al. 2024 (frontier training "
        f"cost x{COTTIER_GROWTH['median']}/year, 95% CI {COTTIER_GROWTH['low']}-{COTTIER_GROWTH['high']}; "
        "over $1B per run by 2027)."
    )
    sp = fc.spending_table
    doc.table(wall_display(fc, sp, "cross"))
    growth = sp.drop_duplicates("domain")
    doc.table(
        pd.DataFrame(
            {
                "domain": growth["domain"],
                "cost growth per year (median [90%])": [
                    fmt_interval(r, "growth", 2) for _, r in growth.iterrows()
                ],
                "Cottier et al. (95% CI)": [
                    f"{COTTIER_GROWTH['median']} [{COTTIER_GROWTH['low']}, {COTTIER_GROWTH['high']}]"
                ]
                * len(growth),
            }
        )
    )


def _assumptions_section(doc: Document, run: Run, fc: Forecasts) -> None:
    spec = run.spec
    a, u = spec.assumptions, spec.prior("utilization")
    doc.h(1, "Assumptions and how to change them")
    rows = [
        (
            "utilization (fraction of peak FLOP/s achieved)",
            f"Beta prior, mean {u['mean']}, 95% in [{u['low']}, {u['high']}]",
            "[priors] utilization",
            "refit",
        ),
        (
            "grid carbon intensity",
            f"{a['carbon_kg_per_kwh']} kg CO2 / kWh",
            "[assumptions] carbon_kg_per_kwh",
            "refit (stored in the run)",
        ),
        ("data-centre PUE", f"{a['pue']}", "[assumptions] pue", "refit (stored in the run)"),
        (
            "world GDP (for the 1% budget)",
            f"${a['world_gdp_usd']:.3g}",
            "[assumptions] world_gdp_usd",
            "refit, or `forecast predict --budget`",
        ),
        (
            "purchase amortization",
            f"{a['purchase_amortization_years']} years",
            "[assumptions] purchase_amortization_years",
            "refit (prices are prepared with it)",
        ),
        ("constant dollars of", f"{a['dollar_year']}", "[assumptions] dollar_year", "refit"),
        ("budgets", ", ".join(fc.budgets), "[forecast] budgets_usd", "`forecast predict --budget`"),
        (
            "target fractions",
            ", ".join(str(x) for x in spec.forecast.target_fractions),
            "[forecast] target_fractions",
            "refit (stored in the run)",
        ),
        ("projection years", ", ".join(str(x) for x in spec.forecast.years), "[forecast] years", "refit"),
        ("wall horizon", str(spec.forecast.horizon_year), "[forecast] horizon_year", "refit"),
        ("link", spec.model.link, "[model] link", "refit (e.g. models/<name>-log.toml)"),
        (
            "identification rule",
            rule_text(),
            "forecast.policy.EXPONENT_RANGE",
            "code",
        ),
    ]
    doc.table(pd.DataFrame(rows, columns=["assumption", "value in this run", "TOML key", "to change"]))
    doc.p(
        f"Edit the keys in `models/{run.name}.toml` (every key not set there comes from "
        "`forecast/spec_defaults.toml`, which documents each one). The forecasts read the spec stored inside "
        "the run, so a changed key takes effect in a new fit; regenerating this report reads the saved run "
        "only and never samples."
    )


def build_document(
    run: Run,
    fc: Forecasts | None = None,
    others: Sequence[Forecasts] = (),
    figures: bool = True,
    validation: dict[str, Any] | None = None,
    side_by_side: SideBySide | None = None,
) -> Document:
    """Build the report as a :class:`Document` (sections in the order the issue asks for).

    ``figures=False`` leaves the figures out (fast previews and tests); ``validation`` is the content
    of ``validation.json`` (``forecast validate``), rendered as a last section when given;
    ``side_by_side`` is :func:`forecast.side_by_side.compare_specs` of the run (computed when not given).
    """
    from forecast.side_by_side import compare_specs

    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        fc = fc or compute_forecasts(run)
        comp = side_by_side if side_by_side is not None else compare_specs(run, fc)
        doc = _build_document(run, fc, others, figures, validation, comp)
    if validation:
        _validation_section(doc, run, validation)
        if validation.get("bridge"):
            _bridge_section(doc, validation["bridge"])
    return doc


def _bridge_section(doc: Document, bridge: dict[str, Any]) -> None:
    """Thompson et al.'s method on his points beside his figures, then the project's changes one at a time."""
    from forecast.validation.render import bridge_figure, bridge_md

    title, body = bridge_md(bridge).split("\n", 1)
    doc.h(1, title.lstrip("# "))
    doc.markdown(body)
    if doc.figures:
        with tempfile.TemporaryDirectory() as tmp:
            path = bridge_figure(bridge, Path(tmp))
            if path is not None:
                doc.fig(path.stem, "Bridge: years per 10x and the 5% ImageNet compute multiple after each step",
                        functools.partial(path.read_bytes))


def _validation_section(doc: Document, run: Run, validation: dict[str, Any]) -> None:
    """The checks of ``forecast validate``: recovery, backtest, link comparison, sensitivity."""
    from forecast.validation import validation_figures, validation_markdown

    doc.h(1, "Validation")
    hashes = {str(v.get("data_hash")) for v in validation.values() if isinstance(v, dict) and v.get("data_hash")}
    run_hash = str(run.meta.get("data_hash", ""))
    if hashes and hashes != {run_hash}:
        doc.warn("The validation results were computed on other data (data hash "
                 + ", ".join(h[:12] for h in sorted(hashes)) + f") than this run ({run_hash[:12]}): rerun "
                 "`forecast validate all`.")
    body = validation_markdown(validation).split("\n", 2)
    doc.markdown(body[-1] if body[0].startswith("## Validation") else "\n".join(body))
    if doc.figures:
        with tempfile.TemporaryDirectory() as tmp:
            for path in validation_figures(validation, tmp):
                doc.fig(path.stem, path.stem.replace("_", " "), functools.partial(path.read_bytes))


def _build_document(run: Run, fc: Forecasts, others: Sequence[Forecasts], figures: bool,
                    validation: dict[str, Any] | None = None, comp: SideBySide | None = None) -> Document:
    from forecast.report_frontier import frontier_section
    from forecast.side_by_side import side_by_side_section

    horizon = int(fc.wall.attrs["horizon_year"])
    doc = Document(f"Computational limits of deep learning: run '{fc.run_name}'", figures=figures)
    if not fc.converged:
        doc.warn(f"THIS RUN DID NOT CONVERGE: {fc.verdict}. Every number below is unreliable.")
    doc.p(_provenance_line(fc, run))
    doc.p(
        f"Intervals: {policy.interval_label()} (inner: {policy.INNER_INTERVAL_PROB:.0%}), from "
        f"{fc.wall.sizes['chain'] * fc.wall.sizes['draw']} posterior draws. Tables as CSV beside this report."
    )
    frontier_section(doc, run, fc, validation)
    doc.h(1, "Per-domain walls: when does staying on trend hit the budget?")
    doc.p(
        f"Wall year per domain and budget: median (90% interval) of the first year the compute needed to "
        f"keep "
        f"the frontier improving at its historical pace costs more than the budget ('after {horizon}': never "
        f"within the horizon)."
    )
    doc.table(headline_table(fc))
    not_id = [d for d, ok in fc.identified.items() if not ok]
    if not_id:
        doc.warn(
            "NOT IDENTIFIED: for " + ", ".join(not_id) + f" the compute effect is too uncertain "
            f"({not_identified_note()}); the years-per-10x ratio and the wall are not identified there."
        )
    doc.pre(headline(fc))
    _data_section(doc, run)
    _convergence_section(doc, run)
    _fits_section(doc, run, fc)
    _progress_section(doc, fc)
    _theory_section(doc, fc)
    if comp is not None:
        side_by_side_section(doc, comp)
    _targets_section(doc, fc, others)
    _wall_section(doc, fc, run)
    _assumptions_section(doc, run, fc)
    return doc


def write_report(
    run: Run,
    out_dir: str | Path | None = None,
    compare: Sequence[Run | str | Path] | None = None,
    figures: bool = True,
    forecasts: Forecasts | None = None,
    include_validation: bool = True,
) -> tuple[Path, Path]:
    """Write ``report.md``, ``report.html``, the figures and the forecast CSVs; return (md, html).

    Parameters
    ----------
    run
        A loaded run; nothing is sampled.
    out_dir
        Default ``reports/<name>``.
    compare
        Runs of the same model under other links (paths or runs) for the side-by-side targets; default: the
        sibling runs found by :func:`forecast.forecasts.sibling_link_runs`.
    figures
        ``False`` leaves the figures out (fast previews).
    forecasts
        ``compute_forecasts(run)`` if already computed (default budgets); computed here otherwise.
    include_validation
        Render ``validation.json`` of the output folder as a Validation section (when present).

    Raises
    ------
    ReportError
        ``validation.json`` is present but malformed (with ``include_validation``).
    RunError
        No ``out_dir`` is given and the run's stored name is not a safe folder name.
    """
    from forecast.side_by_side import compare_specs, write_side_by_side_csv

    out = Path(out_dir) if out_dir is not None else default_report_dir(run)
    fc = forecasts if forecasts is not None else compute_forecasts(run)
    others_runs = [
        load_run(c) if not isinstance(c, Run) else c
        for c in (compare if compare is not None else sibling_link_runs(run))
    ]
    others = [compute_forecasts(o) for o in others_runs]
    validation = load_validation(out / VALIDATION_JSON) if include_validation else None
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        comp = compare_specs(run, fc)
    doc = build_document(run, fc, others, figures=figures, validation=validation, side_by_side=comp)
    for b in doc.blocks:
        if b.kind == "fig":
            atomic_write_bytes(out / FIGURE_DIR / f"{check_run_name(b.name, 'figure name')}.png", b.png)
    fc.to_csv(out)
    ppc = ppc_summary(run)
    if ppc is not None:
        atomic_write_text(
            out / "ppc.csv",
            ppc[0].assign(run_path=fc.run_path, run_data_hash=fc.data_hash).to_csv(index=False),
        )
    if others:
        atomic_write_text(out / "link_comparison.csv", compare_links([fc, *others]).to_csv(index=False))
    write_side_by_side_csv(comp, out)
    md = atomic_write_text(out / REPORT_MD, doc.to_markdown())
    page = atomic_write_text(out / REPORT_HTML, doc.to_html())
    return md, page
