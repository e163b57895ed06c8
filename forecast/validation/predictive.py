"""The row predictive of a fitted performance model, for version-1 and version-2 specs (one place).

A fit (the result dict of :func:`forecast.validation.fastfit.lean_fit_extract` or
:func:`forecast.validation.parallel.fit_extract`) predicts a later result by the equation it was
fitted with (:mod:`forecast.model`), on the link scale::

    y ~ StudentT(nu, m, sigma[d]),   m = alpha[b] + beta[d] x + gamma[d] t (+ walk[b, bin(t)])
    floors (log link):               m -> logaddexp(log floor[b], m)

A later row's unknowns are integrated out (Gauss-Hermite or Monte Carlo for the log density, one
draw per predictive sample):

* **compute**. ``berkson`` (version 1): a row with training FLOP uses it; a hardware-burden-only row
  has ``x = x_hw - hw_offset + hw_sigma z`` (Gauss-Hermite in ``z``). ``structural``: the row's true
  compute has the fitted population prior ``Normal(pop_intercept[b] + pop_slope t, pop_sigma)`` times
  its measurements' likelihoods (training FLOP ``StudentT(measurement_nu, x, tf_sigma)``, burden
  ``StudentT(measurement_nu, x + hw_offset, hw_sigma)``). The density integrates ``x`` with
  Gauss-Hermite nodes of a defensive two-part proposal (a Normal approximation of the posterior of
  ``x`` and the population prior) weighted by prior x likelihood / proposal; predictive samples draw
  ``x`` by sampling-importance-resampling from the same proposal.
* **random walk**. A row in a year bin the fit covered uses the fitted ``walk[b, bin]``; a row in a
  later bin extends its benchmark's walk from the last fitted bin by ``h = bin - last`` fresh
  innovations ``rw_sigma * StudentT(rw_nu)`` (:data:`WALK_SAMPLES` Monte Carlo sums per draw for the
  density), so the predictive widens with the horizon.
* **a benchmark the fit did not see**: ``alpha ~ Normal(alpha_domain, tau_alpha)`` (as in version 1);
  with floors, its floor is drawn from the cited absolute floor prior (``priors.floor``, its own entry or
  ``default``: there is no centre or best error to rescale it by); with a random walk, innovations only
  (``h = bin - last fitted bin``, none inside the fitted bins); with structural compute,
  ``pop_intercept`` from its prior (``priors.pop_intercept``).

:func:`predictive_context` reads the options a fit was made with from its spec; the draws must hold
the matching variables (``floor``, ``pop_*``, ``walk``/``rw_sigma``), else :class:`ValueError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from forecast.config import Spec, floor_prior
from forecast.prepare import bin_index, first_bin_year
from forecast.validation import parallel as par

GH_NODES = 24
"""Gauss-Hermite nodes of the hardware-burden-only compute (version 1)."""
STRUCTURAL_NODES = 32
"""Gauss-Hermite nodes per proposal component of the structural compute (2 components)."""
SIR_CANDIDATES = 32
"""Candidates per predictive sample when resampling the structural compute."""
WALK_SAMPLES = 16
"""Monte Carlo sums of future innovations per posterior draw (log density of rows past the fit)."""
BLOCK_ELEMENTS = 2_000_000
"""Rows are evaluated in blocks of at most this many (draw, row, node) elements."""


@dataclass(frozen=True)
class PredictiveContext:
    """The model options a fit was made with, and the constants its predictive needs beyond the draws."""

    floors: bool = False
    structural: bool = False
    random_walk: bool = False
    tf_sigma: float = 0.0
    measurement_nu: float = 0.0
    rw_nu: float = 0.0
    bin_first: float = 0.0
    bin_width: int = 1
    priors: Mapping[str, Any] | None = None


V1_CONTEXT = PredictiveContext()
"""Version 1: no floors, Berkson latent compute, no dynamics."""

_OPTION_VARS = {"floors": "floor", "structural": "pop_intercept", "random_walk": "walk"}


def predictive_context(spec: Spec, fit_obs: pd.DataFrame) -> PredictiveContext:
    """The predictive context of a fit of ``spec`` on the rows ``fit_obs`` (needs their ``year``)."""
    m = spec.model
    structural = m.compute_measurement == "structural" and m.compute_measure == "both"
    walk = m.dynamics == "random_walk"
    return PredictiveContext(
        floors=bool(m.floors),
        structural=structural,
        random_walk=walk,
        tf_sigma=float(spec.priors["tf_sigma"]) if structural else 0.0,  # type: ignore[arg-type]
        measurement_nu=float(spec.priors["measurement_nu"]) if structural else 0.0,  # type: ignore[arg-type]
        rw_nu=float(spec.priors["rw_nu"]) if walk else 0.0,  # type: ignore[arg-type]
        bin_first=first_bin_year(fit_obs["year"].to_numpy(dtype=float)) if walk else 0.0,
        bin_width=int(m.dynamics_bin_years),
        priors=spec.priors,
    )


def check_context(draws: Mapping[str, np.ndarray], ctx: PredictiveContext) -> None:
    """Raise :class:`ValueError` unless the draws hold exactly the version-2 variables ``ctx`` says."""
    for option, var in _OPTION_VARS.items():
        on = bool(getattr(ctx, option))
        if on and var not in draws:
            raise ValueError(f"the predictive with {option} needs '{var}' in the draws (extract it from the fit)")
        if not on and var in draws:
            raise ValueError(
                f"the draws hold '{var}' (a fit with {option}): pass the fit's PredictiveContext "
                "(forecast.validation.predictive.predictive_context)"
            )


# ----------------------------------------------------------------------------- primitives
def t_logpdf(y: Any, nu: Any, mu: Any, sigma: Any) -> np.ndarray:
    """Student-t log density (numpy broadcasting; ``nu`` may be an array)."""
    z = (np.asarray(y) - mu) / sigma
    nu = np.asarray(nu, dtype=float)
    return (
        special.gammaln((nu + 1.0) / 2.0)
        - special.gammaln(nu / 2.0)
        - 0.5 * np.log(nu * np.pi)
        - np.log(sigma)
        - (nu + 1.0) / 2.0 * np.log1p(z * z / nu)
    )


def _norm_logpdf(x: Any, mu: Any, sigma: Any) -> np.ndarray:
    z = (x - mu) / sigma
    return np.asarray(-0.5 * z * z - np.log(sigma) - 0.5 * np.log(2.0 * np.pi))


def _gh(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Probabilists' Gauss-Hermite nodes and log weights normalised to sum to one."""
    z, w = np.polynomial.hermite_e.hermegauss(n)
    return z, np.log(w / w.sum())


def with_floor(mu: np.ndarray, log_floor: np.ndarray | None) -> np.ndarray:
    """``log(floor + exp(mu))`` with floors (log link), ``mu`` without."""
    return mu if log_floor is None else np.logaddexp(log_floor, mu)


# ----------------------------------------------------------------------------- per-row parameters
@dataclass
class RowParameters:
    """Per draw and row ``(S, R)``: everything the predictive reads except the compute and innovations."""

    alpha: np.ndarray
    beta: np.ndarray
    gamma_t: np.ndarray
    sigma: np.ndarray
    nu: np.ndarray  # (S,)
    log_floor: np.ndarray | None = None
    walk: np.ndarray | None = None  # fitted walk at the row's bin (last fitted bin past the fit)
    steps: np.ndarray | None = None  # (R,) innovations past the last fitted bin
    pop_mean: np.ndarray | None = None  # structural: population mean of the row's true compute


def row_parameters(
    draws: Mapping[str, np.ndarray],
    rows: pd.DataFrame,
    series: list[str],
    domains: list[str],
    rng: np.random.Generator | None,
    ctx: PredictiveContext = V1_CONTEXT,
) -> RowParameters:
    """Gather (or, for benchmarks the fit did not see, draw) each row's parameters, draw by draw."""
    check_context(draws, ctx)
    a = par.stacked(dict(draws), "alpha")
    s_total = a.shape[0]
    ser_idx = {s: i for i, s in enumerate(series)}
    dom_idx = {d: i for i, d in enumerate(domains)}
    di = np.array([dom_idx[d] for d in rows["domain"]], dtype=int)
    bi = np.array([ser_idx.get(s, -1) for s in rows["series"]], dtype=int)
    alpha = np.empty((s_total, len(rows)))
    for j, s in enumerate(rows["series"]):
        if bi[j] >= 0:
            alpha[:, j] = a[:, bi[j]]
        else:
            if rng is None:
                raise ValueError(f"series {s!r} was not fitted; pass an rng to draw a new intercept")
            ad = par.stacked(dict(draws), "alpha_domain")[:, di[j]]
            alpha[:, j] = ad + par.stacked(dict(draws), "tau_alpha") * rng.standard_normal(s_total)
    t = rows["t"].to_numpy(dtype=float)
    out = RowParameters(
        alpha=alpha,
        beta=par.stacked(dict(draws), "beta")[:, di],
        gamma_t=par.stacked(dict(draws), "gamma")[:, di] * t[None, :],
        sigma=par.stacked(dict(draws), "sigma")[:, di],
        nu=par.stacked(dict(draws), "nu") if "nu" in draws else np.full(s_total, 1e6),
    )
    unseen = np.flatnonzero(bi < 0)
    draw = rng if rng is not None else np.random.default_rng(0)  # used only for unseen series (rng given then)
    if ctx.floors:
        floor = par.stacked(dict(draws), "floor")[:, np.maximum(bi, 0)]
        for u in unseen:
            fa, fb = floor_prior(_priors(ctx), str(rows["series"].iloc[u]))
            floor[:, u] = draw.beta(fa, fb, size=s_total)
        out.log_floor = np.log(floor)
    if ctx.random_walk:
        walk = par.stacked(dict(draws), "walk")  # (S, benchmark, year_bin)
        last = walk.shape[2] - 1
        k = bin_index(rows["year"].to_numpy(dtype=float), ctx.bin_first, ctx.bin_width)
        inside = np.clip(k, 0, last)
        out.walk = np.where(bi[None, :] >= 0, walk[:, np.maximum(bi, 0), inside], 0.0)
        out.steps = np.maximum(k - last, 0)
    if ctx.structural:
        pa = par.stacked(dict(draws), "pop_intercept")[:, np.maximum(bi, 0)]
        if len(unseen):
            p = _priors(ctx)["pop_intercept"]
            pa[:, unseen] = draw.normal(p["mu"], p["sigma"], size=(s_total, len(unseen)))
        out.pop_mean = pa + par.stacked(dict(draws), "pop_slope")[:, None] * t[None, :]
    return out


def _priors(ctx: PredictiveContext) -> Mapping[str, Any]:
    if ctx.priors is None:
        raise ValueError("this predictive needs the spec's priors (predictive_context)")
    return ctx.priors


def _blocks(n_rows: int, per_row: int) -> list[np.ndarray]:
    size = max(1, BLOCK_ELEMENTS // max(per_row, 1))
    return [np.arange(i, min(i + size, n_rows)) for i in range(0, n_rows, size)]


# ----------------------------------------------------------------------------- compute: nodes and samples
def _kinds(rows: pd.DataFrame, draws: Mapping[str, np.ndarray], ctx: PredictiveContext) -> np.ndarray:
    """Per row: 0 = training FLOP used as is, 1 = Berkson latent compute, 2 = structural compute."""
    tf = np.isfinite(rows["x_tf"].to_numpy(dtype=float))
    if ctx.structural:
        hw = np.isfinite(rows["x_hw"].to_numpy(dtype=float))
        if not (tf | hw).all():
            raise ValueError("rows need training FLOP or hardware burden (structural compute)")
        return np.full(len(rows), 2)
    if (~tf).any() and "hw_offset" not in draws:
        raise ValueError("rows without training FLOP need a fit with compute_measure='both'")
    return np.where(tf, 0, 1)


def _structural_terms(
    draws: Mapping[str, np.ndarray], rows: pd.DataFrame, pop_mean: np.ndarray, pick: np.ndarray | slice,
    ctx: PredictiveContext,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Any]:
    """Population ``(m0, s0)``, Normal approximation ``(m1, s1)`` of x's posterior, log likelihood of x."""
    d = dict(draws)
    s0 = par.stacked(d, "pop_sigma")[pick][:, None]
    m0 = pop_mean
    off = par.stacked(d, "hw_offset")[pick][:, None]
    hs = par.stacked(d, "hw_sigma")[pick][:, None]
    x_tf = rows["x_tf"].to_numpy(dtype=float)[None, :]
    x_hw = rows["x_hw"].to_numpy(dtype=float)[None, :]
    has_tf, has_hw = np.isfinite(x_tf), np.isfinite(x_hw)
    prec = 1.0 / s0**2 + has_tf / ctx.tf_sigma**2 + has_hw / hs**2
    num = m0 / s0**2 + np.where(has_tf, x_tf, 0.0) / ctx.tf_sigma**2 + np.where(has_hw, x_hw - off, 0.0) / hs**2
    m1, s1 = num / prec, 1.0 / np.sqrt(prec)

    def loglik(x: np.ndarray) -> np.ndarray:
        """Log likelihood of the measurements at true compute ``x`` (trailing node axis)."""
        ll = np.zeros(np.broadcast_shapes(x.shape, x_tf[..., None].shape))
        ll = ll + np.where(has_tf[..., None], t_logpdf(np.nan_to_num(x_tf)[..., None], ctx.measurement_nu, x,
                                                        ctx.tf_sigma), 0.0)
        ll = ll + np.where(has_hw[..., None], t_logpdf(np.nan_to_num(x_hw)[..., None], ctx.measurement_nu,
                                                        x + off[..., None], hs[..., None]), 0.0)
        return ll

    return m0, s0 * np.ones_like(m0), m1, s1 * np.ones_like(m0), loglik


def _importance_logw(x: np.ndarray, m0: np.ndarray, s0: np.ndarray, m1: np.ndarray, s1: np.ndarray,
                     loglik: Any) -> np.ndarray:
    """Log (population prior x likelihood / proposal) at ``x`` (trailing node axis); proposal = 1/2 + 1/2."""
    e = (..., None)
    log_q = np.logaddexp(_norm_logpdf(x, m0[e], s0[e]), _norm_logpdf(x, m1[e], s1[e])) - np.log(2.0)
    return _norm_logpdf(x, m0[e], s0[e]) + loglik(x) - log_q


def compute_nodes(
    draws: Mapping[str, np.ndarray], rows: pd.DataFrame, kind: int, params: RowParameters, ctx: PredictiveContext
) -> tuple[np.ndarray, np.ndarray]:
    """Quadrature of a block of rows of one compute ``kind``: nodes ``x`` and log weights (sum to one)."""
    if kind == 0:
        x = rows["x_tf"].to_numpy(dtype=float)[None, :, None]
        return x, np.zeros_like(x)
    if kind == 1:
        z, logw = _gh(GH_NODES)
        off = par.stacked(dict(draws), "hw_offset")[:, None, None]
        hs = par.stacked(dict(draws), "hw_sigma")[:, None, None]
        x = rows["x_hw"].to_numpy(dtype=float)[None, :, None] - off + hs * z
        return x, np.broadcast_to(logw, x.shape)
    z, logw = _gh(STRUCTURAL_NODES)
    assert params.pop_mean is not None
    m0, s0, m1, s1, loglik = _structural_terms(draws, rows, params.pop_mean, slice(None), ctx)
    x = np.concatenate([m0[..., None] + s0[..., None] * z, m1[..., None] + s1[..., None] * z], axis=2)
    lw = np.concatenate([logw, logw])[None, None, :] + _importance_logw(x, m0, s0, m1, s1, loglik)
    return x, lw - special.logsumexp(lw, axis=2, keepdims=True)


def sample_structural(
    draws: Mapping[str, np.ndarray], rows: pd.DataFrame, pop_mean: np.ndarray, pick: np.ndarray,
    ctx: PredictiveContext, rng: np.random.Generator,
) -> np.ndarray:
    """One draw of each row's true compute per predictive sample (sampling-importance-resampling)."""
    m0, s0, m1, s1, loglik = _structural_terms(draws, rows, pop_mean, pick, ctx)
    n, r = m0.shape
    comp = rng.random((n, r, SIR_CANDIDATES)) < 0.5
    z = rng.standard_normal((n, r, SIR_CANDIDATES))
    x = np.where(comp, m0[..., None] + s0[..., None] * z, m1[..., None] + s1[..., None] * z)
    lw = _importance_logw(x, m0, s0, m1, s1, loglik)
    choice = np.argmax(lw + rng.gumbel(size=lw.shape), axis=2)
    return np.take_along_axis(x, choice[..., None], axis=2)[..., 0]


def innovation_sums(
    scale: np.ndarray, steps: np.ndarray, nu: float, rng: np.random.Generator, m: int
) -> np.ndarray:
    """``(S, R, m)`` sums of ``steps[r]`` innovations ``scale[s] * StudentT(nu)`` (0 where no step)."""
    h = int(steps.max()) if steps.size else 0
    if h == 0:
        return np.zeros((scale.shape[0], steps.size, m))
    eps = rng.standard_t(nu, size=(scale.shape[0], steps.size, m, h))
    eps *= (np.arange(h)[None, None, None, :] < steps[None, :, None, None])
    return scale[:, None, None] * eps.sum(axis=3)


# ----------------------------------------------------------------------------- the predictive
def log_density(
    draws: Mapping[str, np.ndarray],
    rows: pd.DataFrame,
    series: list[str],
    domains: list[str],
    rng: np.random.Generator | None = None,
    ctx: PredictiveContext = V1_CONTEXT,
) -> np.ndarray:
    """Log density ``(n_draws, n_rows)`` of each row's link-scale ``y``, compute and innovations integrated out.

    ``rng`` draws the parameters of benchmarks the fit did not see and the future innovations of rows past
    the fitted years (required for either).
    """
    p = row_parameters(draws, rows, series, domains, rng, ctx)
    kinds = _kinds(rows, draws, ctx)
    y = rows["y"].to_numpy(dtype=float)
    base = p.alpha + p.gamma_t + (p.walk if p.walk is not None else 0.0)
    steps = p.steps if p.steps is not None else np.zeros(len(rows), dtype=int)
    if steps.any() and rng is None:
        raise ValueError("rows past the fitted year bins need an rng to draw future innovations")
    rw_sigma = par.stacked(dict(draws), "rw_sigma") if ctx.random_walk else None
    s_total = base.shape[0]
    out = np.empty((s_total, len(rows)))
    n_nodes = {0: 1, 1: GH_NODES, 2: 2 * STRUCTURAL_NODES}
    for kind in (0, 1, 2):
        for future in (False, True):
            sel = np.flatnonzero((kinds == kind) & ((steps > 0) == future))
            if not len(sel):
                continue
            m = WALK_SAMPLES if future else 1
            for blk in _blocks(len(sel), s_total * n_nodes[kind] * m):
                j = sel[blk]
                sub = _subset(p, j)
                x, lw = compute_nodes(draws, rows.iloc[j], kind, sub, ctx)
                mu = base[:, j, None] + p.beta[:, j, None] * x  # (S, r, K)
                if future:
                    assert rw_sigma is not None and rng is not None
                    w = innovation_sums(rw_sigma, steps[j], ctx.rw_nu, rng, m)  # (S, r, M)
                    mu = (mu[:, :, :, None] + w[:, :, None, :]).reshape(s_total, len(j), -1)
                    lw = np.repeat(lw, m, axis=2) - np.log(m) if lw.shape[2] > 1 else np.full(mu.shape, -np.log(m))
                if p.log_floor is not None:
                    mu = with_floor(mu, p.log_floor[:, j, None])
                lp = t_logpdf(y[j][None, :, None], p.nu[:, None, None], mu, p.sigma[:, j, None]) + lw
                out[:, j] = special.logsumexp(lp, axis=2)
    return out


def _subset(p: RowParameters, j: np.ndarray) -> RowParameters:
    return RowParameters(
        alpha=p.alpha[:, j], beta=p.beta[:, j], gamma_t=p.gamma_t[:, j], sigma=p.sigma[:, j], nu=p.nu,
        log_floor=None if p.log_floor is None else p.log_floor[:, j],
        walk=None if p.walk is None else p.walk[:, j],
        steps=None if p.steps is None else p.steps[j],
        pop_mean=None if p.pop_mean is None else p.pop_mean[:, j],
    )


def samples(
    draws: Mapping[str, np.ndarray],
    rows: pd.DataFrame,
    series: list[str],
    domains: list[str],
    rng: np.random.Generator,
    n: int,
    ctx: PredictiveContext = V1_CONTEXT,
) -> np.ndarray:
    """Posterior predictive samples ``(n, n_rows)`` on the link scale (compute and innovations drawn)."""
    p = row_parameters(draws, rows, series, domains, rng, ctx)
    kinds = _kinds(rows, draws, ctx)
    pick = rng.integers(0, p.alpha.shape[0], size=n)
    x = np.broadcast_to(rows["x_tf"].to_numpy(dtype=float)[None, :], (n, len(rows))).copy()
    latent = kinds == 1
    if latent.any():
        off = par.stacked(dict(draws), "hw_offset")[pick][:, None]
        hs = par.stacked(dict(draws), "hw_sigma")[pick][:, None]
        z = rng.standard_normal((n, int(latent.sum())))
        x[:, latent] = rows["x_hw"].to_numpy(dtype=float)[latent][None, :] - off + hs * z
    structural = np.flatnonzero(kinds == 2)
    if len(structural):
        assert p.pop_mean is not None
        for blk in _blocks(len(structural), n * SIR_CANDIDATES):
            j = structural[blk]
            x[:, j] = sample_structural(draws, rows.iloc[j], p.pop_mean[pick][:, j], pick, ctx, rng)
    mu = p.alpha[pick] + p.beta[pick] * x + p.gamma_t[pick]
    eps = rng.standard_t(df=np.broadcast_to(p.nu[pick][:, None], mu.shape))  # before the innovations: the
    # version-1 stream of random numbers is unchanged by the options below
    if p.walk is not None and p.steps is not None:
        rw_sigma = par.stacked(dict(draws), "rw_sigma")[pick]
        mu = mu + p.walk[pick] + innovation_sums(rw_sigma, p.steps, ctx.rw_nu, rng, 1)[..., 0]
    if p.log_floor is not None:
        mu = with_floor(mu, p.log_floor[pick])
    return mu + p.sigma[pick] * eps
