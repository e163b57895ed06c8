"""Build the frontier tables (costs of frontier runs, hardware facts, CPI, world GDP) from public files.

Usage (from the repository root)::

    python data/build/build_frontier_tables.py --shared PATH

Writes, each row citing its source (the public files are read, never copied wholesale):

- ``data/frontier_costs.csv``: Cottier et al. 2024 (arXiv:2405.21015) per-run training cost estimates
  for frontier systems published up to 2024-09-25, by three methods (cloud rental, hardware acquisition,
  amortized hardware + energy), in the paper's 2023 US dollars, with the run's compute and hardware.
- ``data/frontier_hardware.csv``: per accelerator, release date, release price, dense peak FLOP/s
  (tensor FP16/BF16, else FP32, the precision named) and TDP (Epoch AI ML hardware database).
- ``data/cpi_annual.csv``: US CPI-U (1982-84 = 100), annual average of the months of complete years (BLS).
- ``data/world_gdp.csv``: world GDP in current US dollars (World Bank, NY.GDP.MKTP.CD, code WLD).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from forecast.atomic import atomic_write_text  # noqa: E402
from forecast.schema import DATA_CUTOFF  # noqa: E402

COTTIER_SOURCE = ("Cottier et al. 2024, arXiv:2405.21015 (Epoch AI training-cost-trends model_costs.csv, "
                  "CC BY 4.0); date/compute/hardware from Epoch AI All ML Systems 2024-11")
HARDWARE_SOURCE = "Epoch AI, Data on Machine Learning Hardware (2025-12), CC BY 4.0"
CPI_SOURCE = "US Bureau of Labor Statistics CPI-U, all items, 1982-84=100 (datasets/cpi-us cpiai.csv, PDDL)"
GDP_SOURCE = "World Bank NY.GDP.MKTP.CD, World (WLD), current US$ (datasets/gdp gdp.csv, PDDL)"
COTTIER_DOLLAR_YEAR = 2023
FIT_UNTIL = DATA_CUTOFF


def frontier_costs(shared: Path) -> pd.DataFrame:
    """Cottier et al.'s per-run costs, renamed to the project's columns, with dollar year and source."""
    raw = pd.read_csv(shared / "epoch_frontier_training_costs_to_2024-09.csv")
    raw = raw[raw["publication_date"] <= FIT_UNTIL]
    return pd.DataFrame({
        "model": raw["model"],
        "publication_date": raw["publication_date"],
        "training_flop": raw["training_compute_flop"],
        "training_hardware": raw["training_hardware"].fillna(""),
        "hardware_quantity": raw["hardware_quantity"],
        "training_hours": raw["training_time_hours"],
        "cloud_usd": raw["cloud_cost_usd"],
        "acquisition_usd": raw["hardware_acquisition_cost_usd"],
        "amortized_usd": raw["amortized_hardware_energy_cost_usd"],
        "dollar_year": COTTIER_DOLLAR_YEAR,
        "source": COTTIER_SOURCE,
    })


def frontier_hardware(shared: Path) -> pd.DataFrame:
    """Accelerators with a release date and a dense peak FLOP/s figure."""
    h = pd.read_csv(shared / "epoch_ml_hardware_2025-12.csv")
    tensor = h["Tensor-FP16/BF16 performance (FLOP/s)"]
    fp32 = h["FP32 (single precision) performance (FLOP/s)"]
    out = pd.DataFrame({
        "chip": h["Hardware name"].str.strip(),
        "chip_type": h["Type"].fillna(""),
        "manufacturer": h["Manufacturer"].fillna(""),
        "release_date": pd.to_datetime(h["Release date"], errors="coerce").dt.strftime("%Y-%m-%d"),
        "release_price_usd": h["Release price (USD)"],
        "peak_flops": tensor.where(tensor.notna(), fp32),
        "precision": np.where(tensor.notna(), "fp16", np.where(fp32.notna(), "fp32", "")),
        "tdp_watts": h["TDP (W)"],
        "source": HARDWARE_SOURCE,
    })
    out = out.dropna(subset=["release_date", "peak_flops"])
    return out.sort_values(["release_date", "chip"]).reset_index(drop=True)


def cpi_annual(shared: Path) -> pd.DataFrame:
    """Annual averages of monthly CPI-U, complete calendar years only."""
    m = pd.read_csv(shared / "us_cpi_u_monthly.csv", parse_dates=["Date"])
    m["year"] = m["Date"].dt.year
    g = m.groupby("year")["Index"].agg(["mean", "count"]).reset_index()
    g = g[g["count"] == 12]
    return pd.DataFrame({"year": g["year"], "cpi_u": g["mean"].round(4), "months": g["count"],
                         "source": CPI_SOURCE})


def world_gdp(shared: Path) -> pd.DataFrame:
    """World GDP in current US dollars per year."""
    g = pd.read_csv(shared / "world_bank_gdp_current_usd.csv")
    g = g[g["Country Code"] == "WLD"].sort_values("Year")
    return pd.DataFrame({"year": g["Year"].astype(int), "gdp_current_usd": g["Value"], "source": GDP_SOURCE})


BUILDERS = {
    "frontier_costs.csv": frontier_costs,
    "frontier_hardware.csv": frontier_hardware,
    "cpi_annual.csv": cpi_annual,
    "world_gdp.csv": world_gdp,
}


def main(argv: list[str] | None = None) -> int:
    """Build every frontier table from ``--shared`` into ``--out`` (default: the repository's data/)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, required=True, help="folder of the public files")
    ap.add_argument("--out", type=Path, default=ROOT / "data", help="output folder (default: data/)")
    args = ap.parse_args(argv)
    for name, build in BUILDERS.items():
        df = build(args.shared)
        atomic_write_text(args.out / name, df.to_csv(index=False))
        print(f"{name}: {len(df)} rows", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
