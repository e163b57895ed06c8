"""Time ``forecast validate all`` (issue 13: <= 10 minutes on 2 cores) and write ``benchmarks/validate_all.md``.

Run from the repository root: ``python benchmarks/validate_timing.py [--serial] [extra validate options]``.
With ``--from-json PATH`` it only renders the timing a previous ``validate all`` stored in ``validation.json``
(key ``timing_all``). The load average before and after is recorded: the machines are shared.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 600.0


def compile_counts(validation: dict) -> dict[str, str]:
    """Per check: model compiles and fits (they do not depend on the machine's load, unlike the wall clock)."""
    out = {}
    nested = validation.get("nested") or {}
    if "compiles" in nested:
        parts = [
            f"{k}: {v['compiles']} compiles / {v['fits']} fits ({v['refits']} refitted)"
            for k, v in nested["compiles"].items()
        ]
        out["nested"] = "; ".join(parts)
    holdout = validation.get("holdout") or {}
    if "compile" in holdout:
        c = holdout["compile"]
        out["holdout"] = (
            "fitted with the later origins"
            if c.get("compiles", 1) == 0 or c.get("shared_by_fits", 1) > 1
            else f"{c.get('compiles', 1)} compile / 1 fit"
        )
    bridge = validation.get("bridge") or {}
    if "compiles" in bridge:
        b = bridge["compiles"]
        out["bridge"] = f"{b['compiles']} compiles / {b['fits']} fits ({b['refits']} refitted)"
    sbc = validation.get("sbc") or {}
    if "compile_s" in sbc:
        out["sbc"] = f"{len(sbc['compile_s'])} compiles / {sbc.get('n_sims', '?')} fits"
    return out


def render(timing: dict, load: tuple[str, str], extra: str = "", counts: dict[str, str] | None = None) -> str:
    """Markdown of one ``timing_all`` entry (with the compile counts of :func:`compile_counts`)."""
    counts = counts or {}
    rows = "\n".join(f"| `{k}` | {v:.0f} s | {counts.get(k, '')} |" for k, v in timing["checks"].items())
    verdict = "met" if timing["total_s"] <= TARGET_S else "NOT met"
    return (
        "# `forecast validate all`: timing\n\n"
        f"Command: `forecast {timing.get('command', 'validate all')}`; executor: {timing['executor']}.  \n"
        f"Load average (1, 5, 15 min) before: {load[0]}; after: {load[1]} (2 cores shared with other jobs).\n\n"
        f"| check | wall clock | compiles / fits |\n|---|---|---|\n{rows}\n| **total** | **{timing['total_s']:.0f} s** "
        f"(target <= {TARGET_S:.0f} s: {verdict}) | |\n{extra}"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--from-json", default=None, help="render the timing stored in this validation.json")
    ap.add_argument("--load-before", default="?", help="with --from-json: the load average before the run")
    ap.add_argument("--load-after", default="?", help="with --from-json: the load average after the run")
    args, extra = ap.parse_known_args()
    out = ROOT / "benchmarks" / "validate_all.md"
    if args.from_json:
        validation = json.loads(Path(args.from_json).read_text())
        timing = validation["timing_all"]
        out.write_text(render(timing, (args.load_before, args.load_after), counts=compile_counts(validation)))
        print(out.read_text())
        return 0
    before = " ".join(f"{v:.2f}" for v in os.getloadavg())
    vjson = ROOT / "reports" / "default" / "validation.json"
    cmd = [str(Path(sys.executable).parent / "forecast"), "validate", "all", *extra]
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = " ".join(f"{v:.2f}" for v in os.getloadavg())
    validation = json.loads(vjson.read_text())
    timing = validation["timing_all"]
    out.write_text(
        render(
            timing,
            (before, after),
            f"\nProcess wall clock including start-up: {wall:.0f} s.\n",
            counts=compile_counts(validation),
        )
    )
    print(out.read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
