"""Regenerate ``tests/golden/run.nc``: a tiny real run of the current schema (synthetic data).

Run from the repository root: ``python -m tests.golden.make_golden``. Commit the new file together
with the schema change that required it (and bump ``forecast.run.RUN_SCHEMA_VERSION``).
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from pathlib import Path

from forecast.config import load_spec
from forecast.fit import fit
from forecast.run import RUN_FILE, save_run
from tests.synthetic import synthetic_tables

GOLDEN = Path(__file__).with_name("run.nc")
OVERRIDES = {
    "model": {"name": "golden", "compute_measure": "both"},
    "sampler": {"draws": 40, "tune": 60, "chains": 2, "seed": 11, "prior_draws": 40},
}


def main() -> None:
    spec = load_spec("models/default.toml", OVERRIDES)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = fit(spec, *synthetic_tables(rows_per_series=8), data_hash="synthetic", progress=False)
    with tempfile.TemporaryDirectory() as tmp:
        save_run(run, tmp)
        shutil.copyfile(Path(tmp) / RUN_FILE, GOLDEN)
    print(f"wrote {GOLDEN} ({GOLDEN.stat().st_size // 1024} KiB); {run.checks.verdict()}")


if __name__ == "__main__":
    main()
