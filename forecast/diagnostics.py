"""Convergence checks of a fitted run: R-hat, bulk and tail ESS, divergences, E-BFMI."""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from forecast import policy


@dataclass(frozen=True)
class ConvergenceChecks:
    """The convergence verdict of a run and the numbers behind it."""

    max_rhat: float
    min_ess_bulk: float
    min_ess_tail: float
    divergences: int
    min_bfmi: float
    worst: dict[str, str] = field(default_factory=dict)  # which variable is worst on each check
    failures: tuple[str, ...] = ()

    @property
    def converged(self) -> bool:
        """True when every check passes its threshold in :mod:`forecast.policy`."""
        return not self.failures

    def verdict(self) -> str:
        """One line for humans: CONVERGED or NOT CONVERGED with the reasons."""
        nums = (
            f"max R-hat {self.max_rhat:.3f}, min bulk ESS {self.min_ess_bulk:.0f}, "
            f"min tail ESS {self.min_ess_tail:.0f}, {self.divergences} divergences, "
            f"min E-BFMI {self.min_bfmi:.2f}"
        )
        if self.converged:
            return f"CONVERGED ({nums})"
        return f"NOT CONVERGED: {'; '.join(self.failures)} ({nums})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (stored in the run's attributes)."""
        out = asdict(self)
        out["failures"] = list(self.failures)
        out["converged"] = self.converged
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ConvergenceChecks:
        """Inverse of :meth:`to_dict`.

        Checks stored by older code could pass with a non-finite R-hat (NaN values were dropped): such a
        run is read back as not converged.
        """
        failures = tuple(d.get("failures", ()))
        max_rhat = float(d["max_rhat"])
        if not np.isfinite(max_rhat) and not any(f.startswith("R-hat") for f in failures):
            failures += ("R-hat cannot be computed (not finite in the stored checks)",)
        return cls(
            max_rhat=max_rhat,
            min_ess_bulk=float(d["min_ess_bulk"]),
            min_ess_tail=float(d["min_ess_tail"]),
            divergences=int(d["divergences"]),
            min_bfmi=float(d["min_bfmi"]),
            worst=dict(d.get("worst", {})),
            failures=failures,
        )


def _extreme(ds: xr.Dataset, how: str) -> tuple[float, str]:
    """The largest (``how="max"``) or smallest value over every variable, and that variable's name.

    A non-finite value anywhere wins (NaN, with that variable's name): a diagnostic that could not be
    computed must fail its check, never be skipped.
    """
    best_val, best_name = (np.inf, "") if how == "min" else (-np.inf, "")
    for name, da in ds.data_vars.items():
        vals = np.asarray(da.values, dtype=float)
        if vals.size == 0:
            continue
        if not np.isfinite(vals).all():
            return float("nan"), str(name)
        v = float(vals.min() if how == "min" else vals.max())
        if (how == "min" and v < best_val) or (how == "max" and v > best_val):
            best_val, best_name = v, str(name)
    if not best_name:
        return float("nan"), ""
    return best_val, best_name


def constant_elements(post: xr.Dataset) -> xr.Dataset:
    """True for elements whose draws are identical in every chain and draw (e.g. a zero-sum vector of length 1).

    Their R-hat and ESS are undefined (0 / 0) but say nothing about mixing: such elements are left out of
    the checks. A stuck chain is not constant across chains, so it still fails.
    """
    dims = ("chain", "draw")
    return (post.max(dims, skipna=False) == post.min(dims, skipna=False)).astype(bool)


def check_convergence(trace: xr.DataTree, var_names: list[str]) -> ConvergenceChecks:
    """Compute the checks on the posterior variables ``var_names`` (the free parameters).

    Every check must be computable to pass: with one chain R-hat cannot be computed, so the run is
    reported as not converged (say so rather than call it converged).
    """
    import arviz as az  # imported here: loading a run must not pay for ArviZ

    post = trace["posterior"].to_dataset()[var_names]
    n_chains = int(post.sizes.get("chain", 1))
    fixed = constant_elements(post)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a stuck chain gives NaN: a failure below
        rhat, rhat_var = (
            _extreme(az.rhat(post).where(~fixed, 1.0), "max") if n_chains > 1 else (float("nan"), "")
        )
        n_draws = float(post.sizes.get("chain", 1) * post.sizes.get("draw", 1))  # a constant is known exactly
        ess_bulk, bulk_var = _extreme(az.ess(post, method="bulk").where(~fixed, n_draws), "min")
        ess_tail, tail_var = _extreme(az.ess(post, method="tail").where(~fixed, n_draws), "min")
    stats = trace["sample_stats"].to_dataset()
    divergences = int(np.asarray(stats["diverging"].values).sum()) if "diverging" in stats else 0
    energy = np.asarray(stats["energy"].values, dtype=float) if "energy" in stats else None
    bfmi = float(np.min(_bfmi(energy))) if energy is not None else float("nan")
    failures = []
    if bool(all(bool(fixed[v].all()) for v in fixed.data_vars)):
        failures.append("no parameter moved: every draw of every chain is identical")
    if n_chains < 2:
        failures.append(f"R-hat cannot be computed from {n_chains} chain (run at least 2 chains)")
    elif not np.isfinite(rhat):
        failures.append(f"R-hat cannot be computed ({rhat_var or 'no parameters'})")
    elif rhat > policy.RHAT_MAX:
        failures.append(f"R-hat {rhat:.3f} > {policy.RHAT_MAX} ({rhat_var})")
    if not ess_bulk >= policy.ESS_BULK_MIN:
        failures.append(f"bulk ESS {ess_bulk:.0f} < {policy.ESS_BULK_MIN:.0f} ({bulk_var})")
    if not ess_tail >= policy.ESS_TAIL_MIN:
        failures.append(f"tail ESS {ess_tail:.0f} < {policy.ESS_TAIL_MIN:.0f} ({tail_var})")
    if divergences > policy.DIVERGENCES_MAX:
        failures.append(f"{divergences} divergent transitions")
    if energy is not None and not bfmi >= policy.EBFMI_MIN:
        failures.append(f"E-BFMI {bfmi:.2f} < {policy.EBFMI_MIN}")
    return ConvergenceChecks(
        max_rhat=rhat,
        min_ess_bulk=ess_bulk,
        min_ess_tail=ess_tail,
        divergences=divergences,
        min_bfmi=bfmi,
        worst={"rhat": rhat_var, "ess_bulk": bulk_var, "ess_tail": tail_var},
        failures=tuple(failures),
    )


def _bfmi(energy: np.ndarray) -> np.ndarray:
    """E-BFMI per chain from the energy of each draw (``chain, draw``)."""
    energy = np.atleast_2d(energy)
    num = np.square(np.diff(energy, axis=1)).mean(axis=1)
    den = np.var(energy, axis=1)
    return np.asarray(num / den)
