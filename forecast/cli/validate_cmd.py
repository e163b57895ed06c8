"""``forecast validate CHECK``: the evaluation and calibration checks.

``all`` runs the evaluation of issue 13: ``nested`` (spec chosen on early origins, scored on later ones,
with the baselines), ``holdout`` (the untouched post-2020-08-31 results), ``sold`` (pseudo-wall crossing
years and the frontier compute/cost checks when built), ``bridge`` (Thompson's method on his points, then
the project's changes one at a time) and ``sbc`` (simulation-based calibration, compiled once).
``legacy`` runs the earlier four: ``recovery``, ``backtest``, ``links``, ``sensitivity``. ``recovery`` checks
the version-1 model of ``--spec`` (section ``recovery``) and the version-2 options of ``--v2-spec``
(default ``models/v2.toml``; section ``recovery_v2``, beside it in the same file); ``recovery_v2`` runs
the second alone. A ``--spec`` with floors is a version-2 spec: its recovery goes to ``recovery_v2``.

Fits run in parallel through Dask: a local cluster of ``--workers`` processes (1 thread each) by
default, ``--scheduler ADDRESS`` for an existing cluster, ``--serial`` for none. Results are merged
into ``--out`` (default ``reports/<model name>/validation.json``, written atomically).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from forecast.config import Spec

from forecast.cli import output_file, positive_int

CHECKS = ("recovery", "backtest", "links", "sensitivity")
RECOVERY_V2 = "recovery_v2"
EVALUATION = ("nested", "holdout", "sold", "bridge", "sbc")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``validate`` sub-command."""
    p = subparsers.add_parser(
        "validate",
        help="evaluation: nested origins, holdout, baselines, bridge, SBC (and the legacy checks)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("check", choices=(*CHECKS, RECOVERY_V2, *EVALUATION, "all", "legacy", "frontier"),
                   help="which check ('all': the evaluation; 'legacy': recovery, backtest, links, sensitivity; "
                        "'frontier': rolling-origin frontier check and the cost calibration)")
    p.add_argument("--frontier-cutoffs", type=int, nargs="+", default=[2018, 2020, 2022],
                   help="cutoff years of the rolling-origin frontier check (default 2018 2020 2022)")
    p.add_argument("--run", default=None, help="saved run for the cost calibration (default models/<name>)")
    p.add_argument("--spec", default="models/default.toml", help="model spec (default: models/default.toml)")
    p.add_argument("--data-root", default=None, help="directory holding data/ (default: the repository)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS", help="existing Dask scheduler address")
    p.add_argument("--workers", type=positive_int, default=None, help="local Dask worker processes (default: CPUs)")
    p.add_argument("--serial", action="store_true", help="no Dask: run the fits one after another")
    p.add_argument("--sims", type=positive_int, default=20, help="recovery simulations (default 20)")
    p.add_argument("--v2-sims", type=positive_int, default=50,
                   help="version-2 recovery simulations (default 50: enough for a 90%% band of 0.82-0.98)")
    p.add_argument("--v2-spec", default="models/v2.toml",
                   help="spec of the version-2 recovery run by 'recovery' (default models/v2.toml; 'none': skip)")
    p.add_argument("--draws", type=positive_int, default=500, help="draws per chain (default 500)")
    p.add_argument("--tune", type=positive_int, default=None, help="tuning steps per chain (default: = draws)")
    p.add_argument("--chains", type=positive_int, default=2, help="chains per fit (default 2, run sequentially)")
    p.add_argument("--cutoffs", type=int, nargs="+", default=[2016, 2017, 2018], help="backtest cutoff years")
    p.add_argument("--eval-draws", type=int, default=1000,
                   help="draws (and tuning steps) per chain of the evaluation's fits (default 1000; compile dominates)")
    p.add_argument("--candidates", default="models/candidates.toml", help="candidate specs of the nested origins")
    p.add_argument("--bridge-steps", default="models/bridge.toml", help="steps of the bridge")
    p.add_argument("--sbc-sims", type=int, default=100, help="SBC simulations (default 100)")
    p.add_argument("--sbc-draws", type=int, default=200, help="SBC draws (and tuning steps) per chain (default 200)")
    p.add_argument("--out", default=None, help="output JSON (default reports/<name>/validation.json)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run the chosen checks and write validation.json."""
    from forecast.config import load_spec
    from forecast.data.load import data_hash, default_data_paths, load_notable, load_prices, load_results
    from forecast.validation import validation_markdown, write_validation_json
    from forecast.validation.backtest import run_backtest
    from forecast.validation.links import run_links
    from forecast.validation.parallel import executor, worker_count
    from forecast.validation.recovery import run_recovery
    from forecast.validation.recovery_v2 import run_recovery_v2
    from forecast.validation.run_eval import EvaluationState, run_evaluation_check
    from forecast.validation.sensitivity import run_sensitivity

    output_file(Path(args.out) if args.out else None, "--out")
    spec = load_spec(args.spec)
    paths = default_data_paths(args.data_root)
    results, notable, prices = (
        load_results(paths.results),
        load_notable(paths.notable),
        load_prices(paths.prices),
    )
    digest = data_hash(paths.results, paths.notable, paths.prices)
    out = Path(args.out) if args.out else Path("reports") / spec.model.name / "validation.json"
    groups = {"all": EVALUATION, "legacy": CHECKS}
    checks = list(groups.get(args.check, (args.check,)))
    v2_spec = spec if spec.model.floors else (None if args.v2_spec.lower() == "none" else load_spec(args.v2_spec))
    if "recovery" in checks:
        i = checks.index("recovery")
        if spec.model.floors:
            checks[i] = RECOVERY_V2
        elif v2_spec is not None:
            checks.insert(i + 1, RECOVERY_V2)
    if "links" in checks and spec.model.floors:
        # the link comparison refits the spec under the logit and identity links; floors need the log link
        if args.check == "links":
            print(f"links compares the logit, log and identity links; {args.spec} has error floors, which need "
                  "the log link: give a spec without floors (e.g. --spec models/v1.toml)", file=sys.stderr)
            return 2
        checks.remove("links")
        print(f"links left out: {args.spec} has error floors (log link only); "
              "`forecast validate links --spec models/v1.toml` compares the links of version 1", file=sys.stderr)
    if RECOVERY_V2 in checks and v2_spec is None:
        print("recovery_v2 needs a version-2 spec: --v2-spec is 'none' and --spec has no floors", file=sys.stderr)
        return 2
    kw = {"draws": args.draws, "tune": args.tune or args.draws, "chains": args.chains}

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    if args.check == "frontier":
        return _frontier(args, spec, notable, out, digest, kw, log)
    sections: dict[str, Any] = {}
    timings: dict[str, float] = {}
    state = EvaluationState(spec=spec, out=out, checks=tuple(checks))
    t_all = time.perf_counter()
    with executor(args.scheduler, args.workers, args.serial) as ex:
        n_chunks = worker_count(ex)  # recovery: one compile per worker
        for check in checks:
            t0 = time.perf_counter()
            if check in EVALUATION:
                ekw = {"draws": args.eval_draws, "tune": args.eval_draws, "chains": args.chains}
                sections[check] = run_evaluation_check(check, state, args, results, notable, prices, ex, log, ekw)
            elif check == "recovery":
                sections[check] = run_recovery(
                    spec, results, notable, prices, executor=ex, n_sims=args.sims, chunks=n_chunks, log=log, **kw
                )
            elif check == RECOVERY_V2:
                assert v2_spec is not None
                sections[check] = run_recovery_v2(
                    v2_spec, results, notable, prices, executor=ex, n_sims=args.v2_sims, chunks=n_chunks, log=log,
                    **kw
                )
            elif check == "backtest":
                sections[check] = run_backtest(
                    spec, results, notable, prices, executor=ex, cutoffs=tuple(args.cutoffs), log=log, **kw
                )
            elif check == "links":
                sections[check] = run_links(spec, results, notable, prices, executor=ex, log=log, **kw)
            else:
                sections[check] = run_sensitivity(spec, results, notable, prices, executor=ex, log=log, **kw)
            timings[check] = time.perf_counter() - t0
            log(f"{check}: {timings[check]:.0f} s")
            write_validation_json(
                out,
                {
                    check: {**sections[check], "data_hash": digest,
                            "spec_source": (v2_spec.source if check == RECOVERY_V2 and v2_spec is not None
                                            else spec.source)},
                    "spec": spec.source,
                },
            )
    if len(checks) > 1:
        timing = {"checks": timings, "total_s": time.perf_counter() - t_all, "executor": ex.description,
                  "command": " ".join(sys.argv[1:])}
        write_validation_json(out, {f"timing_{args.check}": timing})
        log(f"{args.check}: {timing['total_s']:.0f} s in total")
    print(validation_markdown(sections))
    print(f"wrote {out}", file=sys.stderr)
    return 0


def _frontier(args: argparse.Namespace, spec: Spec, notable: pd.DataFrame, out: Path, digest: str,
              kw: dict[str, int], log: Callable[[str], None]) -> int:
    """``forecast validate frontier``: rolling-origin frontier check and cost calibration into validation.json."""
    import json

    from forecast.errors import RunError
    from forecast.run import load_run
    from forecast.validation import write_validation_json
    from forecast.validation.frontier import run_frontier_validation

    try:
        run = load_run(args.run or Path("models") / spec.model.name)
    except RunError as exc:
        print(f"no saved run for the cost calibration ({exc}); rolling-origin check only", file=sys.stderr)
        run = None
    t0 = time.perf_counter()
    sections = run_frontier_validation(spec, notable, tuple(args.frontier_cutoffs), run=run, log=log, **kw)
    write_validation_json(out, {k: {**v, "data_hash": digest} for k, v in sections.items()})
    print(json.dumps(sections, indent=1))
    print(f"frontier: {time.perf_counter() - t0:.0f} s; wrote {out}", file=sys.stderr)
    return 0
