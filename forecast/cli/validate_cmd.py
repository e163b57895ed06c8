"""``forecast validate {recovery,backtest,links,sensitivity,all}``: the calibration checks.

Fits run in parallel through Dask: a local cluster of ``--workers`` processes (1 thread each) by
default, ``--scheduler ADDRESS`` for an existing cluster, ``--serial`` for none. Results are merged
into ``--out`` (default ``reports/<model name>/validation.json``, written atomically).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

CHECKS = ("recovery", "backtest", "links", "sensitivity")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``validate`` sub-command."""
    p = subparsers.add_parser(
        "validate",
        help="calibration checks: recovery, backtest, links (LOO), sensitivity",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("check", choices=(*CHECKS, "all"), help="which check to run ('all' runs the four)")
    p.add_argument("--spec", default="models/default.toml", help="model spec (default: models/default.toml)")
    p.add_argument("--data-root", default=None, help="directory holding data/ (default: the repository)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS", help="existing Dask scheduler address")
    p.add_argument("--workers", type=int, default=None, help="local Dask worker processes (default: CPUs)")
    p.add_argument("--serial", action="store_true", help="no Dask: run the fits one after another")
    p.add_argument("--sims", type=int, default=20, help="recovery simulations (default 20)")
    p.add_argument("--draws", type=int, default=500, help="draws per chain (default 500)")
    p.add_argument("--tune", type=int, default=None, help="tuning steps per chain (default: = draws)")
    p.add_argument("--chains", type=int, default=2, help="chains per fit (default 2, run sequentially)")
    p.add_argument("--cutoffs", type=int, nargs="+", default=[2016, 2017, 2018], help="backtest cutoff years")
    p.add_argument("--out", default=None, help="output JSON (default reports/<name>/validation.json)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run the chosen checks and write validation.json."""
    from forecast.config import load_spec
    from forecast.data.load import data_hash, default_data_paths, load_notable, load_prices, load_results
    from forecast.validation import validation_markdown, write_validation_json
    from forecast.validation.backtest import run_backtest
    from forecast.validation.links import run_links
    from forecast.validation.parallel import executor
    from forecast.validation.recovery import run_recovery
    from forecast.validation.recovery_v2 import run_recovery_v2
    from forecast.validation.sensitivity import run_sensitivity

    spec = load_spec(args.spec)
    paths = default_data_paths(args.data_root)
    results, notable, prices = (
        load_results(paths.results),
        load_notable(paths.notable),
        load_prices(paths.prices),
    )
    digest = data_hash(paths.results, paths.notable, paths.prices)
    out = Path(args.out) if args.out else Path("reports") / spec.model.name / "validation.json"
    checks = CHECKS if args.check == "all" else (args.check,)
    kw = {"draws": args.draws, "tune": args.tune or args.draws, "chains": args.chains}

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    sections = {}
    with executor(args.scheduler, args.workers, args.serial) as ex:
        for check in checks:
            t0 = time.perf_counter()
            if check == "recovery":
                # version-2 specs (floors, measurement, dynamics) have their own generative process
                recover = run_recovery_v2 if spec.model.floors else run_recovery
                sections[check] = recover(
                    spec, results, notable, prices, executor=ex, n_sims=args.sims, log=log, **kw
                )
            elif check == "backtest":
                sections[check] = run_backtest(
                    spec, results, notable, prices, executor=ex, cutoffs=tuple(args.cutoffs), log=log, **kw
                )
            elif check == "links":
                sections[check] = run_links(spec, results, notable, prices, executor=ex, log=log, **kw)
            else:
                sections[check] = run_sensitivity(spec, results, notable, prices, executor=ex, log=log, **kw)
            log(f"{check}: {time.perf_counter() - t0:.0f} s")
            write_validation_json(
                out,
                {
                    check: {**sections[check], "data_hash": digest},
                    "spec": spec.source,
                },
            )
    print(validation_markdown(sections))
    print(f"wrote {out}", file=sys.stderr)
    return 0
