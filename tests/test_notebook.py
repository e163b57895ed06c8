"""The example notebook runs end to end in a real Jupyter kernel against the small golden run."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest
import xarray as xr
from nbclient import NotebookClient

from forecast.run import load_run, save_run

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "docs" / "examples" / "explore_a_run.ipynb"
GOLDEN = REPO / "tests" / "golden" / "run.nc"


@pytest.fixture
def second_run(tmp_path: Path) -> Path:
    """A second saved run to compare with: the golden run's draws resampled within each chain, renamed.

    Same chains and draws as the golden run (as two fits of one spec would have), different values.
    """
    run = load_run(GOLDEN)
    n_draws = run.posterior.sizes["draw"]
    pick = np.random.default_rng(0).integers(0, n_draws, n_draws)

    def resample(ds: xr.Dataset) -> xr.Dataset:
        return ds.isel(draw=pick).assign_coords(draw=ds["draw"]) if "draw" in ds.dims else ds

    other = dataclasses.replace(run, trace=run.trace.map_over_datasets(resample),
                                meta={**run.meta, "name": "golden-resampled"})
    return save_run(other, tmp_path / "golden-resampled")


def test_notebook_is_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


def test_notebook_executes(second_run, monkeypatch):
    monkeypatch.setenv("FORECAST_RUN", str(GOLDEN))
    monkeypatch.setenv("FORECAST_OTHER_RUN", str(second_run))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel shows figures inline, as in Jupyter
    nb = nbformat.read(NOTEBOOK, as_version=4)
    t0 = time.perf_counter()
    # Raises CellExecutionError (naming the cell and the traceback) if any cell fails.
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(REPO)}}).execute()
    elapsed = time.perf_counter() - t0
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    outputs = [o for c in code for o in c.outputs]
    text = "\n".join(o.get("text", "") for o in outputs if o.output_type == "stream" and o.name == "stdout")
    stderr = "\n".join(o.get("text", "") for o in outputs if o.output_type == "stream" and o.name == "stderr")
    assert "Warning" not in stderr, stderr
    assert f"run 'golden' from {GOLDEN}" in text
    assert "NOT CONVERGED" in text  # the golden run is a deliberately tiny fit
    assert "Compared runs: 'golden' (logit link) and 'golden-resampled' (logit link)" in text
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 4  # forest, pair, histogram of a wall year, forest of both runs
    assert elapsed < 240, f"the notebook took {elapsed:.0f} s"
