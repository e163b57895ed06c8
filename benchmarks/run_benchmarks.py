"""Measure the speed targets of issue 6 and write ``benchmarks/results.md``.

Public tools only: ``/usr/bin/time -v`` (wall time and peak memory of whole commands) and Python's
timers. Run from the repository root: ``python benchmarks/run_benchmarks.py [--skip-tests]``.

Measured:
1. ``forecast run`` end to end, cold (empty PyTensor/Numba compile caches) and warm (second run);
2. sampling efficiency: minimum bulk ESS per second of sampling, nutpie (the project's setting)
   vs PyMC's own NUTS (``nuts_sampler="pymc"``, its default settings), same model, side by side;
3. ``forecast report`` from the saved run and ``forecast predict`` for all domains and budgets;
4. the fast test suite;
5. peak memory (max RSS) of ``forecast run``;
6. the part of a warm refit that does not depend on the posterior's geometry: ``forecast run --refit`` of the
   default spec with 20 tuning steps and 20 draws per chain (compile, predictive checks, forecasts, report,
   start-up), beside the warm refit of version 1 (``models/v1.toml``) for comparison.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
FORECAST = str(VENV_BIN / "forecast")
TARGETS = {
    "run_warm_s": 30.0,
    "run_cold_s": 90.0,
    "ess_ratio": 3.0,
    "report_s": 10.0,
    "predict_s": 5.0,
    "tests_s": 180.0,
    "run_peak_gb": 2.0,
}


def timed(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, float | int | str]:
    """Run ``cmd`` under ``/usr/bin/time -v``; return wall seconds, peak RSS (GB) and exit status."""
    time_bin = shutil.which("time") or "/usr/bin/time"
    full = [time_bin, "-v", *cmd] if Path(time_bin).exists() else cmd
    t0 = time.perf_counter()
    proc = subprocess.run(full, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    return {
        "wall_s": wall,
        "peak_gb": int(rss.group(1)) / 1024**2 if rss else float("nan"),
        "status": proc.returncode,
        "tail": "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-3:]),
    }


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024**2:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (f"{platform.node()}: {os.cpu_count()} cores ({cpu}), {mem}, {platform.platform()}, "
            f"Python {platform.python_version()}")


def sampler_comparison(seeds: tuple[int, ...] = (1, 2, 3)) -> dict[str, dict[str, float | list[float]]]:
    """Min bulk ESS per second of sampling: nutpie with the spec's settings vs PyMC's NUTS with its defaults.

    Same model and data, same machine, one run after the other, several seeds each (min ESS varies a
    lot between seeds); the ratio is taken between the medians.
    """
    import arviz as az
    import pymc as pm

    from forecast.config import load_spec
    from forecast.data.load import load_training_tables
    from forecast.fit import configure_pytensor
    from forecast.model import build_model, prepare_data

    configure_pytensor()
    tables = load_training_tables()
    spec = load_spec(ROOT / "models" / "default.toml")
    s = spec.sampler
    data = prepare_data(tables.results, tables.notable, tables.prices, spec)
    settings = {
        # the project's settings (models/default.toml)
        "nutpie": {"draws": s.draws, "tune": s.tune,
                   "nuts": {"adaptation": s.adaptation, "target_accept": s.target_accept}},
        # PyMC's own NUTS with its default settings (draws=1000, tune=1000, target_accept=0.8)
        "pymc": {},
    }
    out: dict[str, dict[str, float | list[float]]] = {}
    for sampler, kwargs in settings.items():
        runs = []
        for seed in seeds:
            model = build_model(data, spec)
            names = [rv.name for rv in model.free_RVs]
            t0 = time.perf_counter()
            with model, warnings.catch_warnings():
                warnings.simplefilter("ignore")
                trace = pm.sample(chains=s.chains, cores=2, nuts_sampler=sampler, random_seed=seed,
                                  progressbar=False, compute_convergence_checks=False, **kwargs)
            total = time.perf_counter() - t0
            post = trace["posterior"].to_dataset()
            sampling = float(post.attrs.get("sampling_time", total))
            ess = az.ess(post[names], method="bulk")
            min_ess = min(float(ess[v].min()) for v in names)
            runs.append({"sampling_s": sampling, "compile_s": total - sampling, "min_ess_bulk": min_ess,
                         "ess_per_s": min_ess / sampling,
                         "divergences": int(trace["sample_stats"]["diverging"].sum())})
            print(f"  {sampler} seed {seed}: {runs[-1]}", flush=True)
        med = {k: float(np.median([r[k] for r in runs])) for k in runs[0]}
        out[sampler] = {**med, "ess_per_s_each": [r["ess_per_s"] for r in runs],
                        "settings": str(kwargs or "PyMC defaults")}  # type: ignore[dict-item]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-tests", action="store_true", help="do not time the test suite")
    ap.add_argument("--skip-cold", action="store_true", help="do not time a cold-cache run")
    args = ap.parse_args()
    results: dict[str, object] = {"machine": machine(), "date": dt.date.today().isoformat()}
    work = Path(tempfile.mkdtemp(prefix="forecast-bench-"))
    run_args = ["run", "--quiet", "--out", str(work / "models"), "--reports", str(work / "reports")]
    env = dict(os.environ)

    if not args.skip_cold:
        cold_env = dict(env, PYTENSOR_FLAGS=f"base_compiledir={work / 'cold-pytensor'}",
                        NUMBA_CACHE_DIR=str(work / "cold-numba"))
        results["run_cold"] = timed([FORECAST, *run_args], cold_env)
        print("forecast run (cold caches):", results["run_cold"], flush=True)
    results["run_warm"] = timed([FORECAST, *run_args], env)
    print("forecast run (warm caches, saved posterior reused):", results["run_warm"], flush=True)
    run_dir = work / "models" / "default"
    results["report"] = timed([FORECAST, "report", str(run_dir), "--out", str(work / "reports" / "again")], env)
    print("forecast report:", results["report"], flush=True)
    results["predict"] = timed([FORECAST, "predict", str(run_dir)], env)
    print("forecast predict:", results["predict"], flush=True)
    results["run_refit"] = timed([FORECAST, *run_args, "--refit"], env)
    print("forecast run --refit (warm caches):", results["run_refit"], flush=True)
    results["manifest_timings"] = json.loads((run_dir / "manifest.json").read_text()).get("timings", {})
    fixed_args = ["run", "--quiet", "--out", str(work / "fixed"), "--reports", str(work / "reports-fixed")]
    results["run_refit_fixed"] = timed([FORECAST, *fixed_args, "--refit", "--draws", "20", "--tune", "20"], env)
    results["fixed_timings"] = json.loads((work / "fixed" / "default" / "manifest.json").read_text()).get("timings", {})
    print("forecast run --refit, 20 + 20 draws (fixed cost):", results["run_refit_fixed"], flush=True)
    v1_args = ["run", "--quiet", "--model", str(ROOT / "models" / "v1.toml"), "--out", str(work / "v1"),
               "--reports", str(work / "reports-v1")]
    timed([FORECAST, *v1_args], env)  # warms version 1's compile caches
    results["run_refit_v1"] = timed([FORECAST, *v1_args, "--refit"], env)
    print("forecast run --refit, version 1:", results["run_refit_v1"], flush=True)
    results["samplers"] = sampler_comparison()
    print("samplers:", results["samplers"], flush=True)
    if not args.skip_tests:
        results["tests"] = timed([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly"], env)
        print("fast tests:", results["tests"], flush=True)

    write_markdown(results, ROOT / "benchmarks" / "results.md")
    (ROOT / "benchmarks" / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    shutil.rmtree(work, ignore_errors=True)
    return 0


def _row(label: str, value: float, target: float, unit: str, higher_is_better: bool = False) -> str:
    ok = value >= target if higher_is_better else value <= target
    sign = ">=" if higher_is_better else "<="
    return f"| {label} | {value:.2f} {unit} | {sign} {target:g} {unit} | {'met' if ok else 'NOT MET'} |"


def write_markdown(r: dict, path: Path) -> None:
    s = r["samplers"]
    ratio = s["nutpie"]["ess_per_s"] / s["pymc"]["ess_per_s"]
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {r['machine']}  ",
        f"Date: {r['date']}; command: `python benchmarks/run_benchmarks.py`",
        "",
        "| what | measured | target | verdict |",
        "|---|---|---|---|",
    ]
    if "run_cold" in r:
        lines.append(_row("`forecast run`, cold compile caches", r["run_cold"]["wall_s"], TARGETS["run_cold_s"], "s"))
    lines.append(_row("`forecast run --refit`, warm caches (samples again)", r["run_refit"]["wall_s"],
                      TARGETS["run_warm_s"], "s"))
    lines.append(_row("`forecast run`, warm, same spec/data/seed (posterior reused)", r["run_warm"]["wall_s"],
                      TARGETS["run_warm_s"], "s"))
    lines.append(_row("min bulk ESS/s, nutpie (project settings) / PyMC NUTS (defaults), medians of 3 seeds",
                      ratio, TARGETS["ess_ratio"], "x", True))
    lines.append(_row("`forecast report` from a saved run", r["report"]["wall_s"], TARGETS["report_s"], "s"))
    lines.append(_row("`forecast predict`, all domains and budgets", r["predict"]["wall_s"], TARGETS["predict_s"], "s"))
    if "tests" in r:
        lines.append(_row("fast test suite", r["tests"]["wall_s"], TARGETS["tests_s"], "s"))
    peak = max(r["run_warm"]["peak_gb"], r["run_refit"]["peak_gb"], r.get("run_cold", {}).get("peak_gb", 0.0))
    lines.append(_row("peak memory of `forecast run`", peak, TARGETS["run_peak_gb"], "GB"))
    if "run_refit_fixed" in r:
        fixed = r["run_refit_fixed"]["wall_s"]
        lines += [
            "",
            "## What a warm refit costs before sampling",
            "",
            "| what | measured |",
            "|---|---|",
            f"| `forecast run --refit --draws 20 --tune 20` (default spec; sampling negligible) | {fixed:.2f} s |",
            f"| of which compile (manifest) | {r['fixed_timings'].get('compile_s', float('nan')):.2f} s |",
            f"| `forecast run --refit --model models/v1.toml` (version 1, full sampling) | "
            f"{r['run_refit_v1']['wall_s']:.2f} s |",
            "",
            f"With the default spec, {TARGETS['run_warm_s'] - fixed:.1f} s of the {TARGETS['run_warm_s']:g} s "
            "warm-refit target are left for sampling.",
        ]
    lines += [
        "",
        "## Samplers side by side (default model, shipped data, 4 chains on 2 cores; medians of 3 seeds)",
        "",
        "| sampler | settings | compile+setup s | sampling s | min bulk ESS | min bulk ESS / s (each seed) |",
        "|---|---|---|---|---|---|",
    ]
    for name, v in s.items():
        each = ", ".join(f"{x:.0f}" for x in v["ess_per_s_each"])
        lines.append(f"| {name} | {v['settings']} | {v['compile_s']:.1f} | {v['sampling_s']:.1f} | "
                     f"{v['min_ess_bulk']:.0f} | {v['ess_per_s']:.0f} ({each}) |")
    lines += ["", "## Where the time of a warm `forecast run --refit` goes (seconds, from the run's manifest)", ""]
    for k, v in r.get("manifest_timings", {}).items():
        lines.append(f"- {k}: {v:.1f}")
    lines += ["", "Exit statuses: " + ", ".join(
        f"{k} {r[k]['status']}"
        for k in ("run_cold", "run_warm", "run_refit", "run_refit_fixed", "run_refit_v1", "report", "predict", "tests")
        if k in r)]
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
