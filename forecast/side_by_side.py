"""The run beside other fitted specs: model options, convergence, years per 10x, k and the walls per spec.

A spec lists other spec files in ``[forecast] side_by_side`` (relative to its own folder). Each listed
spec's run is read from ``<models folder>/<its model.name>/run.nc``, the layout ``forecast run --out
models/`` writes (the models folder is the one holding this run). Nothing here samples: the numbers come
from the saved runs through the package's own tables (:func:`forecast.forecasts.compute_forecasts`:
progress, theory and wall tables), so a cell here equals the same number in that spec's own report.

A listed spec is never dropped silently: a spec without a saved run says ``not fitted`` with the command
that fits it, and a run fitted on other data than this run says so with its data hash; neither gets numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecast import policy
from forecast.config import Spec, load_spec
from forecast.errors import ConfigError, RunError
from forecast.forecasts import WEIGHTED_ROW, Forecasts, compute_forecasts, wall_text
from forecast.paths import DEFAULT_SPEC_NAME
from forecast.report import Document, fmt, fmt_interval, spec_source
from forecast.run import RUN_FILE, Run, load_run

SIDE_BY_SIDE_CSV = "side_by_side.csv"
THIS_RUN = "this run"
FITTED = "fitted"
SAME_RUN = "the same run as this one (listed again)"
SECTION_TITLE = "The default beside other specs"
MODEL_OPTIONS = ("link", "floors", "compute_measure", "compute_measurement", "dynamics", "noise")
"""The model options each spec's row shows (fields of :class:`forecast.config.ModelConfig`)."""


# ----------------------------------------------------------------------------- locating the listed runs
def spec_folder(run: Run) -> Path:
    """The folder of the spec file ``run`` was fitted from (listed spec files are relative to it)."""
    source = spec_source(run)
    return Path(".") if source.startswith("<") else Path(source).parent


def models_folder(run: Run) -> Path:
    """The folder holding ``run``'s own folder (``models/`` for ``models/default/run.nc``)."""
    return Path(run.path).parent.parent if run.path is not None else Path("models")


def listed_spec_files(run: Run) -> list[Path]:
    """The spec files of ``run``'s ``[forecast] side_by_side``, resolved against its spec's folder."""
    folder = spec_folder(run)
    return [folder / f for f in run.spec.forecast.side_by_side]


def shown_path(path: str | Path) -> str:
    """``path`` as the report shows it: relative to the working directory when inside it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(p)


def fit_command(spec_path: Path, models: Path) -> str:
    """The command that fits ``spec_path`` into ``models`` (shown for a listed spec without a run)."""
    out = "" if shown_path(models) == "models" else f" --out {shown_path(models)}"
    return f"forecast fit --model {shown_path(spec_path)}{out}"


@dataclass
class Listed:
    """A spec listed in ``[forecast] side_by_side`` and what was found for it.

    ``status`` is empty when ``run`` can be used, else why not (``not fitted: ...``, an unreadable
    run or spec file). The data hash is checked later, against the main run (:func:`compare_specs`).
    """

    file: str
    name: str
    spec: Spec | None = None
    run: Run | None = None
    status: str = ""


def find_listed_runs(run: Run) -> list[Listed]:
    """Each spec of ``run``'s ``[forecast] side_by_side`` with its saved run (loaded) when there is one."""
    models = models_folder(run)
    out = []
    for path in listed_spec_files(run):
        try:
            spec = load_spec(path)
        except ConfigError as exc:
            reason = "spec file not found" if not path.is_file() else f"spec file invalid ({exc})"
            out.append(Listed(shown_path(path), path.stem, status=f"{reason}: `{shown_path(path)}`"))
            continue
        item = Listed(shown_path(path), spec.model.name, spec=spec)
        run_file = models / spec.model.name / RUN_FILE
        if not run_file.is_file():
            item.status = f"not fitted: `{fit_command(path, models)}`"
        else:
            try:
                item.run = load_run(run_file)
            except RunError as exc:
                item.status = f"run not readable ({exc}); refit: `{fit_command(path, models)}`"
        out.append(item)
    return out


# ----------------------------------------------------------------------------- the tables
@dataclass
class SideBySide:
    """Tidy tables of the comparison: one row per spec, per spec x domain, per spec x domain x budget.

    Numeric columns carry ``*_median``, ``*_lo``, ``*_hi`` (``lo``/``hi``: the
    :data:`~forecast.policy.INTERVAL_PROB` bounds; walls also ``lo50``/``hi50``); ``*_cell`` columns hold
    the text the report shows. The first row of ``specs`` is the run itself.
    """

    specs: pd.DataFrame
    domains: pd.DataFrame = field(default_factory=pd.DataFrame)
    walls: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def empty(self) -> bool:
        """True when the run lists no other spec (no section, no CSV)."""
        return len(self.specs) <= 1

    def to_long(self) -> pd.DataFrame:
        """One row per spec x (domain x budget) x quantity: the content of ``side_by_side.csv``."""
        keep = ["spec", "spec_file", "status", "run_path", "data_hash", "converged"]
        stats = ("median", "lo", "hi", "lo50", "hi50")
        rows: list[dict[str, Any]] = []
        for _, s in self.specs.iterrows():
            base = {k: s[k] for k in keep}
            if s["status"] not in (THIS_RUN, FITTED):
                rows.append({**base, "quantity": ""})
                continue
            for q in ("years_per_10x_shared", "years_per_10x_weighted"):
                if np.isfinite(s[f"{q}_median"]):
                    rows.append({**base, "quantity": q, **{k: s.get(f"{q}_{k}", np.nan) for k in stats},
                                 "identified": s.get(f"{q}_identified"), "text": s[f"{q}_cell"]})
        for table, quantities in ((self.domains, ("years_per_10x", "k", "p_k_above_theory")),
                                  (self.walls, ("wall_year",))):
            for _, r in table.iterrows():
                for q in quantities:
                    row = {**{k: r[k] for k in keep}, "domain": r["domain"], "benchmark": r.get("benchmark"),
                           "budget": r.get("budget"), "quantity": q,
                           "identified": r.get(f"{q}_identified", r["identified"])}
                    if q == "p_k_above_theory":
                        row["value"] = r[q]
                    else:
                        row.update({k: r.get(f"{q}_{k}", np.nan) for k in stats})
                        row["text"] = r[f"{q}_cell"]
                    rows.append(row)
        cols = [*keep, "domain", "benchmark", "budget", "quantity", *stats, "value", "identified", "text"]
        return pd.DataFrame(rows).reindex(columns=cols)


def _interval_cell(row: Any, prefix: str, digits: int, identified: bool = True) -> str:
    text = fmt_interval(row, prefix, digits)
    return text if identified else f"{text} NOT IDENTIFIED"


def _options(spec: Spec | None) -> dict[str, Any]:
    if spec is None:
        return dict.fromkeys(MODEL_OPTIONS, "")
    return {k: getattr(spec.model, k) for k in MODEL_OPTIONS}


def options_text(options: dict[str, Any]) -> str:
    """``'link logit; floors off; compute both (berkson); dynamics none; noise per_domain'``."""
    if not options.get("link"):
        return "n/a"
    floors = "on" if options["floors"] else "off"
    compute = options["compute_measure"]
    if compute == "both":
        compute = f"both ({options['compute_measurement']})"
    return (f"link {options['link']}; floors {floors}; compute {compute}; dynamics {options['dynamics']}; "
            f"noise {options['noise']}")


def convergence_text(run: Run) -> str:
    """``converged`` or ``NOT CONVERGED: <first failing check>`` (and how many other checks fail)."""
    checks = run.checks
    if checks.converged:
        return "converged"
    more = f" (+{len(checks.failures) - 1} more)" if len(checks.failures) > 1 else ""
    return f"NOT CONVERGED: {checks.failures[0]}{more}"


def _spec_row(name: str, file: str, spec: Spec | None, run: Run | None, fc: Forecasts | None,
              status: str) -> dict[str, Any]:
    shown = run.spec if run is not None and fc is not None else spec  # the fitted spec, else the file's
    options = _options(shown)
    row: dict[str, Any] = {
        "spec": name, "spec_file": file, "status": status,
        "description": shown.model.description if shown is not None else "",
        "run_path": str(run.path) if run is not None and run.path is not None else "",
        "data_hash": str(run.meta.get("data_hash", "")) if run is not None else "",
        "converged": bool(run.checks.converged) if run is not None and fc is not None else None,
        "convergence": convergence_text(run) if run is not None and fc is not None else "n/a",
        **options, "model_options": options_text(options),
    }
    prog = _rows_by_domain(fc.progress_table) if fc is not None else {}
    for label, q in (("shared", "years_per_10x_shared"), (WEIGHTED_ROW, "years_per_10x_weighted")):
        if label in prog:
            r = prog[label]
            row.update({f"{q}_{k}": float(r[f"years_per_10x_{k}"]) for k in ("median", "lo", "hi")})
            row[f"{q}_identified"] = bool(r["ratio_identified"])
            row[f"{q}_cell"] = _interval_cell(r, "years_per_10x", 2, bool(r["ratio_identified"]))
        else:
            row.update({f"{q}_{k}": np.nan for k in ("median", "lo", "hi")})
            row[f"{q}_identified"] = None
            row[f"{q}_cell"] = "n/a"
    return row


def _rows_by_domain(table: pd.DataFrame) -> dict[str, pd.Series]:
    """The rows of a per-domain table (progress, theory) by their ``domain``."""
    return {str(r["domain"]): pd.Series(r) for r in table.to_dict("records")}


def _domain_rows(base: dict[str, Any], fc: Forecasts) -> list[dict[str, Any]]:
    prog, theory = _rows_by_domain(fc.progress_table), _rows_by_domain(fc.theory_table)
    rows = []
    for dom in fc.identified:
        p = prog[dom]
        ident = bool(p["identified"])
        row = {**base, "domain": dom, "identified": ident, "p_beta_negative": float(p["p_beta_negative"]),
               **{f"years_per_10x_{k}": float(p[f"years_per_10x_{k}"]) for k in ("median", "lo", "hi")},
               "years_per_10x_identified": bool(p["ratio_identified"]),
               "years_per_10x_cell": _interval_cell(p, "years_per_10x", 2, bool(p["ratio_identified"]))}
        if dom in theory:
            t = theory[dom]
            row.update({f"k_{k}": float(t[f"k_{k}"]) for k in ("median", "lo", "hi")})
            row["k_cell"] = fmt_interval(t, "k", 1)
            row["p_k_above_theory"] = float(t["p_k_above_theory"])
        else:
            row.update({"k_median": np.nan, "k_lo": np.nan, "k_hi": np.nan, "k_cell": "n/a",
                        "p_k_above_theory": np.nan})
        rows.append(row)
    return rows


def _wall_rows(base: dict[str, Any], fc: Forecasts) -> list[dict[str, Any]]:
    rows = []
    for _, r in fc.wall_table.iterrows():
        rows.append({
            **base, "domain": str(r["domain"]), "benchmark": str(r["benchmark"]), "budget": str(r["budget"]),
            **{f"wall_year_{k}": float(r[f"wall_{k}"]) for k in ("median", "lo", "hi", "lo50", "hi50")},
            "saturates_first": bool(r.get("saturates_first", False)),
            "p_saturates_first": float(r.get("p_saturates_first", 0.0)),
            "identified": bool(r["identified"]),
            "wall_year_cell": wall_text(fc, r) + ("" if r["identified"] else " NOT IDENTIFIED"),
        })
    return rows


def compare_specs(run: Run, fc: Forecasts | None = None, listed: Sequence[Listed] | None = None) -> SideBySide:
    """The run beside the specs its ``[forecast] side_by_side`` lists, from their saved runs.

    Parameters
    ----------
    run
        The main run (a loaded run; nothing is sampled).
    fc
        ``compute_forecasts(run)`` if already computed.
    listed
        The other specs and their runs; default :func:`find_listed_runs` (``<models>/<name>/run.nc``).
        A run whose data hash differs from ``run``'s is shown as ``fitted on other data`` without numbers.
        The walls of every spec use ``fc``'s budgets.
    """
    fc = fc if fc is not None else compute_forecasts(run)
    items = list(find_listed_runs(run) if listed is None else listed)
    main_hash = str(run.meta.get("data_hash", ""))
    main_path = Path(run.path).resolve() if run.path is not None else None
    entries: list[tuple[str, str, Spec | None, Run | None, Forecasts | None, str]] = [
        (run.name, shown_path(spec_source(run)), run.spec, run, fc, THIS_RUN)]
    for item in items:
        other_fc, status = None, item.status
        if item.run is not None and not status:
            other_hash = str(item.run.meta.get("data_hash", ""))
            if other_hash != main_hash:
                status = (f"fitted on other data (hash {other_hash[:12] or 'not recorded'}; this run: "
                          f"{main_hash[:12] or 'not recorded'})")
            elif main_path is not None and item.run.path is not None and Path(item.run.path).resolve() == main_path:
                status = SAME_RUN
            else:
                other_fc, status = compute_forecasts(item.run, budgets=fc.budgets), FITTED
        entries.append((item.name, item.file, item.spec, item.run, other_fc, status))
    specs, domains, walls = [], [], []
    for name, file, spec, r, f, status in entries:
        row = _spec_row(name, file, spec, r, f, status)
        specs.append(row)
        if f is not None and items:  # nothing listed: the run alone, no comparison
            base = {k: row[k] for k in ("spec", "spec_file", "status", "run_path", "data_hash", "converged")}
            domains += _domain_rows(base, f)
            walls += _wall_rows(base, f)
    return SideBySide(pd.DataFrame(specs), pd.DataFrame(domains), pd.DataFrame(walls))


# ----------------------------------------------------------------------------- the report section
def _run_cell(row: pd.Series) -> str:
    if row["status"] in (THIS_RUN, FITTED):
        where = f"`{row['run_path']}`" if row["run_path"] else "(not saved)"
        return where if row["status"] == FITTED else f"{THIS_RUN}: {where}"
    return str(row["status"])


def specs_display(comp: SideBySide) -> pd.DataFrame:
    """One row per spec: its options, run (or why it has none), convergence and the shared years per 10x."""
    s = comp.specs
    label = policy.interval_label()
    return pd.DataFrame({
        "spec": s["spec"],
        "model options": s["model_options"],
        "run": [_run_cell(r) for _, r in s.iterrows()],
        "convergence": s["convergence"],
        f"shared years per 10x (median [{label}])": s["years_per_10x_shared_cell"],
        "evidence-weighted": s["years_per_10x_weighted_cell"],
    })


def domains_display(comp: SideBySide) -> pd.DataFrame:
    """Per domain, one row per spec: years per 10x, the implied exponent k, P(k > theory), identified."""
    d = comp.domains
    if d.empty:
        return d
    order = {s: i for i, s in enumerate(comp.specs["spec"])}
    dom_order = {v: i for i, v in enumerate(dict.fromkeys(d["domain"]))}
    d = d.assign(_d=d["domain"].map(dom_order), _s=d["spec"].map(order)).sort_values(["_d", "_s"], kind="stable")
    label = policy.interval_label()
    return pd.DataFrame({
        "domain": d["domain"],
        "spec": d["spec"],
        f"years per 10x (median [{label}])": d["years_per_10x_cell"],
        f"k (median [{label}])": d["k_cell"],
        f"P(k > {policy.THEORY_EXPONENT:g})": [fmt(v, 2) for v in d["p_k_above_theory"]],
        "compute effect (k) identified": ["yes" if ok else "NO" for ok in d["identified"]],
    }).reset_index(drop=True)


def walls_display(comp: SideBySide) -> pd.DataFrame:
    """Domain x budget rows, one column per spec with a run: the wall year (50% and 90%) or saturates first."""
    w = comp.walls
    if w.empty:
        return w
    specs = list(dict.fromkeys(w["spec"]))
    main_bench = w[w["spec"] == specs[0]].drop_duplicates("domain").set_index("domain")["benchmark"]
    rows = []
    for (dom, budget), grp in w.groupby(["domain", "budget"], sort=False):
        bench = str(main_bench.get(dom, grp["benchmark"].iloc[0]))
        row = {"domain": dom, "budget": budget}
        by_spec = grp.set_index("spec")
        for s in specs:
            if s not in by_spec.index:
                row[s] = "domain not in this spec"
                continue
            r = by_spec.loc[s]
            other = "" if str(r["benchmark"]) == bench else f" (on {r['benchmark']})"
            row[s] = f"{r['wall_year_cell']}{other}"
        rows.append(row)
    return pd.DataFrame(rows)


def _specs_paragraph(comp: SideBySide) -> str:
    parts = []
    for _, r in comp.specs.iterrows():
        role = " (this run)" if r["status"] == THIS_RUN and r.name == 0 else ""
        desc = str(r["description"]).rstrip(".")
        chosen = ""
        if Path(str(r["spec_file"])).name == DEFAULT_SPEC_NAME:
            chosen = (" - the shipped default: the spec the nested rolling-origin evaluation chose "
                      "(`forecast validate nested`, candidates in `models/candidates.toml`)")
        parts.append(f"`{r['spec']}`{role}, `{r['spec_file']}`: {desc}{chosen}.")
    return " ".join(parts)


def side_by_side_section(doc: Document, comp: SideBySide) -> None:
    """The report section "The default beside other specs" (nothing when the run lists no other spec)."""
    if comp.empty:
        return
    label = policy.interval_label()
    doc.h(1, SECTION_TITLE)
    doc.p(
        "The specs listed in `[forecast] side_by_side`, each from its own saved run (fitted by "
        "`forecast run --side-by-side`, which `make run` calls; this report never samples). "
        + _specs_paragraph(comp)
        + f" Medians with {label} intervals; every number is the one that spec's own report gives."
    )
    missing = comp.specs[~comp.specs["status"].isin([THIS_RUN, FITTED])]
    if len(missing):
        doc.warn("Listed but not shown: " + "; ".join(f"{r['spec']}: {r['status']}" for _, r in missing.iterrows()))
    not_conv = comp.specs[comp.specs["converged"].eq(False)]
    if len(not_conv):
        doc.warn("NOT CONVERGED: " + ", ".join(not_conv["spec"]) + ": their numbers are not to be trusted.")
    doc.table(specs_display(comp))
    if not comp.domains.empty:
        doc.p(
            f"Per domain: years of algorithmic progress worth 10x compute and the implied scaling exponent k "
            f"(compute ~ (1/error)^k at the domain's best error; theory: k = {policy.THEORY_EXPONENT:g}, "
            f"Thompson et al. observed k >= 9), with P(k > {policy.THEORY_EXPONENT:g}) and the one "
            "identification rule of every table."
        )
        doc.table(domains_display(comp))
    if not comp.walls.empty:
        doc.p(
            "The economic wall per domain and budget (this run's budgets for every spec): the first year "
            f"staying on the frontier trend costs more, median ({policy.INNER_INTERVAL_PROB:.0%} and "
            f"{policy.INTERVAL_PROB:.0%} intervals), or 'saturates first' where error floors are reached "
            "before the wall. Each spec uses its own main benchmark per domain (named when it differs)."
        )
        doc.table(walls_display(comp))


def write_side_by_side_csv(comp: SideBySide, directory: str | Path) -> Path | None:
    """Write ``side_by_side.csv`` (:meth:`SideBySide.to_long`) atomically; remove a stale one when empty."""
    from forecast.atomic import atomic_write_text

    path = Path(directory) / SIDE_BY_SIDE_CSV
    if comp.empty:
        path.unlink(missing_ok=True)
        return None
    return atomic_write_text(path, comp.to_long().to_csv(index=False))
