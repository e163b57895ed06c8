"""The hierarchical model: pure ``prepare_data`` and ``build_model``; no sampling here.

Performance part (one row per published result, ``obs``)::

    y_i     ~ StudentT(nu, mu_i, sigma[d(i)])          y = link(error)
    mu_i    = alpha[b(i)] + beta[d(i)] * x_i + gamma[d(i)] * t_i
    alpha_b ~ Normal(alpha_domain[d(b)], tau_alpha)      (centred by default; the free intercept
                                                         is placed at benchmark b's mean x and t)
    beta_d  = mu_beta  + tau_beta  * z_beta_d            (non-centred)
    gamma_d = mu_gamma + tau_gamma * z_gamma_d

``x`` is log10 training FLOP minus ``centering.log10_flop``; ``t`` is the year minus
``centering.year``. With ``compute_measure = "both"``, results known only by hardware burden get a
latent training compute ``x = log10(hw) - hw_offset + hw_sigma * z`` and matched pairs inform
``hw_offset`` and ``hw_sigma``.

Version-2 options (issue 12; keys documented in ``spec_defaults.toml``):

- ``floors``: ``log(error) ~ StudentT(log(floor_b + exp(mu_i)))`` (log link). ``alpha_local`` is then the
  log of the total error at the benchmark's data centre and ``floor = exp(alpha_local) * floor_share``
  (a Beta prior from the cited floor prior as a share of the centre error, capped so that the floor stays
  below ``floor_best_margin`` x the benchmark's best fitted error); the reducible intercept is
  ``alpha_local + log(1 - floor_share)``. Variables ``floor_share_unit`` (Beta), ``floor_share``, ``floor[benchmark]``.
- ``compute_measurement = "structural"``: ``x[obs]`` is a free variable with a population model
  (``pop_intercept[benchmark]``, ``pop_slope``, ``pop_sigma``), measured by ``tf_meas`` (training FLOP,
  Student-t, fixed ``tf_sigma``) and ``hw_meas`` (burden, offset ``hw_offset = exp(hw_offset_log) >= 0``,
  scale ``hw_sigma``).
- ``dynamics = "random_walk"``: ``mu_i += walk[b(i), bin(i)]``, Student-t innovations ``rw_sigma * z_walk``
  over year bins, zero at each benchmark's centre bin (``walk[benchmark, year_bin]``).
- ``slope_sign = "negative"``: ``beta_d = -exp(mu_log_beta + tau_log_beta z_d)``, ``mu_beta = -exp(mu_log_beta)``.

Companion parts in the same model: the compute trend of notable models per domain
(``trend_slope`` partially pooled), each domain's frontier improvement rate (``frontier_rate``),
the price of compute (``price_intercept``, ``price_slope``; USD per peak FLOP, cloud on demand)
with ``utilization`` as an explicit prior, and the energy per peak FLOP trend (for CO2).

Posterior variables the forecasts read (dims in brackets): ``alpha[benchmark]``,
``beta[domain]``, ``gamma[domain]``, ``mu_beta``, ``mu_gamma``, ``sigma[domain]``,
``trend_intercept[domain]``, ``trend_slope[domain]``, ``frontier_rate[domain]``,
``price_intercept``, ``price_slope``, ``utilization``, ``energy_intercept``, ``energy_slope``,
and the deterministics ``progress_decades_per_year[domain]`` (gamma/beta: decades of compute
that one year of algorithmic progress is worth) and ``years_per_10x[domain]`` (beta/gamma).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt

from forecast.config import Spec, beta_from_range
from forecast.errors import ConfigError, DataError
from forecast.frontier import frontier_part
from forecast.prepare import (  # noqa: F401 - re-exported: the model's public data API
    PRICE_KIND_ORDER,
    ModelData,
    TrainingWeights,
    link_forward,
    link_inverse,
    link_log_jacobian,
    prepare_data,
    record_t_offsets,
    year_bins,
)


# ----------------------------------------------------------------------------- model
def _normal(name: str, spec: Spec, **kwargs: Any) -> pt.TensorVariable:
    p = spec.prior(name)
    return pm.Normal(name, mu=p["mu"], sigma=p["sigma"], **kwargs)


def _half_normal(name: str, spec: Spec, **kwargs: Any) -> pt.TensorVariable:
    return pm.HalfNormal(name, sigma=spec.prior(name)["sigma"], **kwargs)


def _zero_sum(name: str) -> pt.TensorVariable:
    """Standard zero-sum normal offsets per domain.

    In a model with training weights (``w_domain`` among its variables: 1 = the training subset has the
    domain) the offsets are ``raw - w * mean of raw over the training domains`` with ``raw ~ Normal(0, 1)``:
    over the training domains exactly ``ZeroSumNormal(1)`` (which is iid normals minus their mean), the
    others prior-only, and the mean itself a free direction no likelihood term sees (``N(0, 1/k)``). One
    compiled model then serves training subsets that cover different sets of domains.
    """
    model = pm.modelcontext(None)
    if "w_domain" not in model.named_vars:
        return pm.ZeroSumNormal(name, sigma=1.0, dims="domain")
    w = model["w_domain"]
    raw = pm.Normal(f"{name}_raw", 0.0, 1.0, dims="domain")
    return pm.Deterministic(name, raw - w * (w * raw).sum() / w.sum(), dims="domain")


def _pooled(name: str, spec: Spec, correlated: pt.TensorVariable | None = None) -> pt.TensorVariable:
    """``mu + tau * z`` per domain (non-centred), or the given correlated offsets."""
    mu = _normal(f"mu_{name}", spec)
    tau = _half_normal(f"tau_{name}", spec)
    if correlated is not None:
        z = correlated
    elif spec.model.pooling == "zerosum":
        z = _zero_sum(f"z_{name}")
    else:
        z = pm.Normal(f"z_{name}", 0.0, 1.0, dims="domain")
    return pm.Deterministic(name, mu + tau * z, dims="domain")


def _noise(spec: Spec) -> pt.TensorVariable:
    """Residual scale per domain: independent, partially pooled on the log scale, or one shared value."""
    if spec.model.noise == "per_domain":
        return _half_normal("sigma", spec, dims="domain")
    scale = pm.HalfNormal("sigma_shared", sigma=spec.prior("sigma")["sigma"])
    if spec.model.noise == "shared":
        n_domains = len(pm.modelcontext(None).coords["domain"])
        return pm.Deterministic("sigma", scale * pt.ones(n_domains), dims="domain")
    tau = _half_normal("tau_log_sigma", spec)
    z = pm.Normal("z_log_sigma", 0.0, 1.0, dims="domain")
    return pm.Deterministic("sigma", scale * pt.exp(tau * z), dims="domain")


def utilization_beta_params(mean: float, low: float, high: float) -> tuple[float, float]:
    """Beta(a, b) with the given mean whose central 95% mass roughly spans [low, high]."""
    return beta_from_range(mean, low, high, "priors.utilization")


def _constant(spec: Spec, name: str) -> float:
    """A prior given as a plain number (a fixed constant, e.g. ``tf_sigma``)."""
    value: Any = spec.priors[name]
    return float(value)


def _hw_sigma(spec: Spec) -> pt.TensorVariable:
    """Noise of hardware burden as a measure of training compute: ``hw_sigma_min`` + HalfNormal.

    Two measures of one run's compute cannot agree better than the spread of utilization across runs
    (``priors.hw_sigma_min``, decades); the floor also removes the funnel at ``hw_sigma -> 0`` that gave
    divergences when few matched pairs inform the scale. ``hw_sigma_min = 0`` is the version-1 HalfNormal.
    """
    low = _constant(spec, "hw_sigma_min")
    if low <= 0:
        return _half_normal("hw_sigma", spec)
    excess = pm.HalfNormal("hw_sigma_excess", sigma=spec.prior("hw_sigma")["sigma"])
    return pm.Deterministic("hw_sigma", low + excess)


def _negative_pooled(spec: Spec) -> tuple[pt.TensorVariable, pt.TensorVariable]:
    """Signed compute slope (``slope_sign = "negative"``): ``beta_d = -exp(mu_log_beta + tau_log_beta z_d)``."""
    mu = _normal("mu_log_beta", spec)
    tau = _half_normal("tau_log_beta", spec)
    if spec.model.pooling == "zerosum":
        z = _zero_sum("z_log_beta")
    else:
        z = pm.Normal("z_log_beta", 0.0, 1.0, dims="domain")
    beta = pm.Deterministic("beta", -pt.exp(mu + tau * z), dims="domain")
    return beta, pm.Deterministic("mu_beta", -pt.exp(mu))


def _structural_compute(data: ModelData, spec: Spec) -> pt.TensorVariable:
    """True log compute per result (population model) measured by training FLOP and hardware burden.

    ``x_i ~ Normal(pop_intercept[b] + pop_slope * t_i, pop_sigma)``; training FLOP ``~ StudentT(nu, x_i,
    tf_sigma)``; burden ``~ StudentT(nu, x_i + hw_offset, hw_sigma)`` with ``hw_offset = exp(.) >= 0``
    (a run's capacity x time cannot be below the FLOP it executed).
    """
    obs = data.obs
    si = obs["series_idx"].to_numpy()
    t = obs["t"].to_numpy(dtype=float)
    pop_a = _normal("pop_intercept", spec, dims="benchmark")
    pop_b = _normal("pop_slope", spec)
    pop_s = _half_normal("pop_sigma", spec)
    x = pm.Normal("x", pop_a[si] + pop_b * t, pop_s, dims="obs")
    nu = _constant(spec, "measurement_nu")
    x_tf = obs["x_tf"].to_numpy(dtype=float)
    x_hw = obs["x_hw"].to_numpy(dtype=float)
    tf_rows = np.flatnonzero(np.isfinite(x_tf))
    hw_rows = np.flatnonzero(np.isfinite(x_hw))
    hw_offset = pm.Deterministic("hw_offset", pt.exp(_normal("hw_offset_log", spec)))
    hw_sigma = _hw_sigma(spec)
    if len(tf_rows):
        pm.StudentT("tf_meas", nu=nu, mu=x[tf_rows], sigma=_constant(spec, "tf_sigma"),
                    observed=x_tf[tf_rows], dims="tf_obs")
    if len(hw_rows):
        pm.StudentT("hw_meas", nu=nu, mu=x[hw_rows] + hw_offset, sigma=hw_sigma,
                    observed=x_hw[hw_rows], dims="hw_obs")
    return x


def _random_walk(data: ModelData, spec: Spec) -> pt.TensorVariable:
    """Per-benchmark random walk over year bins (Student-t innovations, one pooled scale), 0 at the anchor."""
    bins = year_bins(data, spec.model.dynamics_bin_years, float(spec.centering["year"]))
    n_series = len(data.series)
    scale = _half_normal("rw_sigma", spec)
    z = pm.StudentT("z_walk", nu=_constant(spec, "rw_nu"), mu=0.0, sigma=1.0,
                    dims=("benchmark", "year_step"))
    level = pt.concatenate([pt.zeros((n_series, 1)), pt.cumsum(scale * z, axis=1)], axis=1)
    walk = level - level[np.arange(n_series), bins.anchor][:, None]
    return pm.Deterministic("walk", walk, dims=("benchmark", "year_bin"))


def centre_errors(data: ModelData) -> np.ndarray:
    """Per series: the geometric mean error of its results (the error near its data centre)."""
    log_e = np.log(data.obs["error"].to_numpy(dtype=float))
    means = pd.Series(log_e).groupby(data.obs["series_idx"].to_numpy()).mean()
    return np.exp(means.reindex(range(len(data.series))).to_numpy(dtype=float))


def floor_share_prior(
    priors: Any, series: str, centre_error: float, best_error: float
) -> tuple[float, float, float]:
    """Prior of ``u = floor / (error at the data centre)``: ``u = cap * v``, ``v ~ Beta(a, b)``.

    A floor cannot lie above an error a model has already achieved on the benchmark: the share is
    capped at ``cap = min(0.9, floor_best_margin * best_error / centre_error)`` (a hard bound; the
    floor is then at most ``floor_best_margin`` times the best error of the fitted data, up to the
    posterior spread of the centre error). The cited floor prior (``priors.floor``: mean and range)
    is divided by ``centre_error * cap`` and kept inside (0, 0.9) for the Beta of ``v``.

    Returns
    -------
    (a, b, cap)
        Beta parameters of ``v`` and the cap of the share.
    """
    if not 0 < best_error <= centre_error:
        raise DataError(f"series {series!r}: best error {best_error!r} must be in (0, centre error {centre_error!r}]")
    entry = priors["floor"][series] if series in priors["floor"] else priors["floor"]["default"]
    cap = min(0.9, float(priors["floor_best_margin"]) * best_error / centre_error)
    scale = centre_error * cap
    high = min(entry["high"] / scale, 0.9)
    mean = min(entry["mean"] / scale, 0.75 * high)
    low = min(entry["low"] / scale, 0.5 * mean)
    a, b = beta_from_range(mean, low, high, f"priors.floor.{series} (as a share of {scale:.3g})")
    return a, b, cap


def _floor_share(data: ModelData, spec: Spec) -> pt.TensorVariable:
    """Floor of each benchmark as a share of its error at the data centre (capped Beta priors, see above)."""
    centre = centre_errors(data)
    best = data.best["best_error"].to_numpy(dtype=float)
    abc = np.array([
        floor_share_prior(spec.priors, s, float(c), float(b))
        for s, c, b in zip(data.series, centre, best, strict=True)
    ])
    unit = pm.Beta("floor_share_unit", alpha=abc[:, 0], beta=abc[:, 1], dims="benchmark")
    return pm.Deterministic("floor_share", abc[:, 2] * unit, dims="benchmark")


def weights_unsupported(spec: Spec) -> str | None:
    """Why :func:`build_model` cannot take :class:`TrainingWeights` for ``spec`` (``None`` when it can)."""
    m = spec.model
    extra = []
    if m.floors:
        extra.append("floors (floor-share priors depend on the training rows)")
    if m.compute_measurement == "structural" and m.compute_measure == "both":
        extra.append("structural compute measurement")
    if m.dynamics == "random_walk":
        extra.append("random-walk dynamics (year bins depend on the training rows)")
    if bool(spec.raw.get("frontier", {}).get("enabled", False)):
        extra.append("frontier parts")
    return "; ".join(extra) or None


def _observed(
    dist: Any, name: str, weight: pt.TensorVariable | None, observed: np.ndarray, dims: str, **params: Any
) -> None:
    """``name ~ dist(**params)`` observed; with a 0/1 ``weight`` per row, the potential ``weight * logp``.

    The weighted form keeps the variable's name (a potential: no predictive sampling from it); a row with
    weight 0 contributes nothing, which is the model fitted without that row.
    """
    if weight is None:
        dist(name, observed=observed, dims=dims, **params)
        return
    params.pop("shape", None)
    pm.Potential(name, weight * pm.logp(dist.dist(**params), observed), dims=dims)


def build_model(data: ModelData, spec: Spec, weights: TrainingWeights | None = None) -> pm.Model:
    """Build the PyMC model (pure: no sampling, no I/O).

    Parameters
    ----------
    data
        Output of :func:`prepare_data`.
    spec
        The model spec (priors, link, likelihood, parameterisation).
    weights
        Optional training subset (:func:`forecast.prepare.training_weights`): every likelihood term is
        then weighted per row and the data-derived constants are shared variables (``w_obs``,
        ``w_frontier``, ``w_notable``, ``w_domain``, ``x_center``, ``t_center``, ``frontier_t_rel``) that a
        compiled model swaps to fit another subset without recompiling. ``None`` (a normal fit): plain
        observed variables.

    Returns
    -------
    pm.Model
        With coords ``domain``, ``benchmark``, ``obs`` and the companion parts' coords.
    """
    m = spec.model
    if weights is not None and (reason := weights_unsupported(spec)):
        raise ConfigError(f"training weights are not implemented for: {reason}")
    obs = data.obs
    both = m.compute_measure == "both"
    hw_only = obs.index[both & (obs["measure"] == "hardware_burden")].to_numpy()
    pairs = obs.index[both & np.isfinite(obs["x_tf"]) & np.isfinite(obs["x_hw"])].to_numpy()
    coords = {
        "domain": list(data.domains),
        "benchmark": list(data.series),
        "obs": obs.index.to_numpy(),
        "hw_only": hw_only,
        "pair": pairs,
        "frontier_obs": data.frontier.index.to_numpy(),
        "notable_obs": data.notable.index.to_numpy(),
        "price_obs": data.prices.index.to_numpy(),
        "price_kind": list(PRICE_KIND_ORDER),
        "chip": data.energy.index.to_numpy(),
        "slope": ["beta", "gamma"],
    }
    if m.dynamics == "random_walk":
        bins = year_bins(data, m.dynamics_bin_years, float(spec.centering["year"]))
        coords["year_bin"] = bins.start_year.astype(int)
        coords["year_step"] = bins.start_year[1:].astype(int)
    if m.compute_measurement == "structural" and both:
        coords["tf_obs"] = obs.index[np.isfinite(obs["x_tf"])].to_numpy()
        coords["hw_obs"] = obs.index[np.isfinite(obs["x_hw"])].to_numpy()
    with pm.Model(coords=coords) as model:
        series_idx = pm.Data("series_idx", obs["series_idx"].to_numpy(), dims="obs")
        domain_idx = pm.Data("domain_idx", obs["domain_idx"].to_numpy(), dims="obs")
        t = pm.Data("t", obs["t"].to_numpy(), dims="obs")
        x_obs = np.nan_to_num(obs["x"].to_numpy(), nan=0.0)
        pm.Data("benchmark_domain_idx", data.series_domain, dims="benchmark")
        w_obs = None if weights is None else pm.Data("w_obs", weights.obs, dims="obs")
        if weights is not None:
            pm.Data("w_domain", weights.domain, dims="domain")  # read by _zero_sum

        # --- compute measures
        if m.compute_measurement == "structural" and both:
            x = _structural_compute(data, spec)
        elif len(hw_only):
            hw_offset = _normal("hw_offset", spec)
            hw_sigma = _hw_sigma(spec)
            z_x = pm.Normal("z_x", 0.0, 1.0, dims="hw_only")
            x_latent = obs.loc[hw_only, "x_hw"].to_numpy() - hw_offset + hw_sigma * z_x
            x_full = pt.set_subtensor(pt.as_tensor(x_obs)[hw_only], x_latent)
            x = pm.Deterministic("x", x_full, dims="obs")
            if len(pairs):
                _observed(
                    pm.Normal,
                    "hw_pairs",
                    None if w_obs is None else w_obs[pairs],
                    mu=obs.loc[pairs, "x_tf"].to_numpy() + hw_offset,
                    sigma=hw_sigma,
                    observed=obs.loc[pairs, "x_hw"].to_numpy(),
                    dims="pair",
                )
        else:
            x = pm.Data("x", x_obs, dims="obs")

        # --- intercepts: benchmark inside domain. The free intercept sits at each benchmark's own
        # data centre (mean x and t of its results), which decorrelates it from the slopes;
        # ``alpha`` is the same line's intercept at the global centre (x = 0, t = 0).
        alpha_domain = _normal("alpha_domain", spec, dims="domain")
        tau_alpha = _half_normal("tau_alpha", spec)
        if m.intercepts == "centered":
            alpha_local = pm.Normal("alpha_local", alpha_domain[data.series_domain], tau_alpha,
                                    dims="benchmark")
        else:
            z_alpha = pm.Normal("z_alpha", 0.0, 1.0, dims="benchmark")
            alpha_local = pm.Deterministic(
                "alpha_local", alpha_domain[data.series_domain] + tau_alpha * z_alpha, dims="benchmark"
            )
        floor = None
        if m.floors:
            # alpha_local is then the log of the TOTAL error at the benchmark's data centre (well
            # identified); the floor is a share u of it and the reducible intercept is A + log(1 - u).
            # This removes the floor/intercept ridge of the direct parameterisation (step size 0.04).
            share = _floor_share(data, spec)
            floor = pm.Deterministic("floor", pt.exp(alpha_local) * share, dims="benchmark")
            alpha_local = alpha_local + pt.log1p(-share)
        if weights is None:
            x_center = pt.as_tensor(data.best["x_center"].to_numpy())
            t_center = pt.as_tensor(data.best["t_center"].to_numpy())
        else:
            x_center = pm.Data("x_center", weights.x_center, dims="benchmark")
            t_center = pm.Data("t_center", weights.t_center, dims="benchmark")

        # --- slopes: shared mean + per-domain deviation
        if m.slope_correlation:
            chol, _, _ = pm.LKJCholeskyCov(
                "slope_chol", n=2, eta=spec.priors["lkj_eta"], sd_dist=pm.Exponential.dist(1.0),
                compute_corr=True,
            )
            z = pm.Normal("z_slopes", 0.0, 1.0, dims=("domain", "slope"))
            offsets = pt.dot(z, chol.T)
            mu_beta = _normal("mu_beta", spec)
            mu_gamma = _normal("mu_gamma", spec)
            beta = pm.Deterministic("beta", mu_beta + offsets[:, 0], dims="domain")
            gamma = pm.Deterministic("gamma", mu_gamma + offsets[:, 1], dims="domain")
        elif m.slope_sign == "negative":
            beta, mu_beta = _negative_pooled(spec)
            gamma = _pooled("gamma", spec)
            mu_gamma = model["mu_gamma"]
        else:
            beta = _pooled("beta", spec)
            gamma = _pooled("gamma", spec)
            mu_beta = model["mu_beta"]
            mu_gamma = model["mu_gamma"]

        sd = data.series_domain
        pm.Deterministic("alpha", alpha_local - beta[sd] * x_center - gamma[sd] * t_center, dims="benchmark")
        sigma = _noise(spec)
        mu = (alpha_local[series_idx] + beta[domain_idx] * (x - x_center[series_idx])
              + gamma[domain_idx] * (t - t_center[series_idx]))
        if m.dynamics == "random_walk":
            walk = _random_walk(data, spec)
            obs_bin = year_bins(data, m.dynamics_bin_years, float(spec.centering["year"])).obs_bin
            mu = mu + walk[obs["series_idx"].to_numpy(), obs_bin]
        if floor is not None:
            # log(error) = log(floor + exp(mu)): the scaling law holds for the error above the floor
            mu = pt.logaddexp(pt.log(floor)[series_idx], mu)
        if m.likelihood == "student_t":
            p = spec.prior("nu")
            nu = pm.Deterministic("nu", 1.0 + pm.Gamma("nu_minus_one", alpha=p["alpha"], beta=p["beta"]))
            _observed(pm.StudentT, "y", w_obs, nu=nu, mu=mu, sigma=sigma[domain_idx],
                      observed=obs["y"].to_numpy(), dims="obs", shape=t.shape)
        else:
            _observed(pm.Normal, "y", w_obs, mu=mu, sigma=sigma[domain_idx], observed=obs["y"].to_numpy(),
                      dims="obs", shape=t.shape)

        # --- what users ask first: algorithmic progress in compute terms
        pm.Deterministic("progress_decades_per_year", gamma / beta, dims="domain")
        pm.Deterministic("years_per_10x", beta / gamma, dims="domain")
        pm.Deterministic("progress_decades_per_year_shared", mu_gamma / mu_beta)
        pm.Deterministic("years_per_10x_shared", mu_beta / mu_gamma)

        _frontier_part(data, spec, floor, weights)
        _trend_part(data, spec, weights)
        _price_part(data, spec)
        frontier_part(data.frontier_tables, spec)
    return model


def _frontier_part(
    data: ModelData, spec: Spec, floor: pt.TensorVariable | None = None, weights: TrainingWeights | None = None
) -> None:
    """Each series' best error improves linearly on the link scale; the rate is per domain.

    With floors, the best error's distance to the floor shrinks exponentially:
    ``log(error) = log(floor + exp(a_b + rate_d t))``.
    """
    fr = data.frontier
    p = spec.prior("frontier_intercept")
    a = pm.Normal("frontier_intercept", p["mu"], p["sigma"], dims="benchmark")
    rate = _pooled("frontier_rate", spec)
    s = _half_normal("frontier_sigma", spec)
    if len(fr):
        # intercepts at each series' mean frontier year: decorrelates them from the rate
        si = fr["series_idx"].to_numpy()
        if weights is None:
            t_rel = record_t_offsets(fr)
        else:
            t_rel = pm.Data("frontier_t_rel", weights.frontier_t_rel, dims="frontier_obs")
        mu = a[si] + rate[fr["domain_idx"].to_numpy()] * t_rel
        if floor is not None:
            mu = pt.logaddexp(pt.log(floor)[si], mu)
        _observed(
            pm.Normal,
            "frontier_y",
            None if weights is None else pm.Data("w_frontier", weights.frontier, dims="frontier_obs"),
            mu=mu,
            sigma=s,
            observed=fr["y"].to_numpy(),
            dims="frontier_obs",
        )


def _trend_part(data: ModelData, spec: Spec, weights: TrainingWeights | None = None) -> None:
    """Compute of notable models per domain: x = kappa_d + lambda_d * t + eta."""
    nm = data.notable
    kappa = _normal("trend_intercept", spec, dims="domain")
    lam = _pooled("trend_slope", spec)
    s = _half_normal("trend_sigma", spec)
    if len(nm):
        di = nm["domain_idx"].to_numpy()
        _observed(pm.Normal, "notable_x",
                  None if weights is None else pm.Data("w_notable", weights.notable, dims="notable_obs"),
                  mu=kappa[di] + lam[di] * nm["t"].to_numpy(), sigma=s, observed=nm["x"].to_numpy(),
                  dims="notable_obs")


def _price_part(data: ModelData, spec: Spec) -> None:
    """Price and energy of a peak FLOP over time, and the utilisation assumption."""
    pr = data.prices
    p0 = _normal("price_intercept", spec)
    p1 = _normal("price_slope", spec)
    k = spec.prior("price_kind_offset")
    kind_raw = pm.Normal("price_kind_offset_raw", k["mu"], k["sigma"], shape=len(PRICE_KIND_ORDER) - 1)
    kind = pm.Deterministic("price_kind_offset", pt.concatenate([pt.zeros(1), kind_raw]), dims="price_kind")
    ps = _half_normal("price_sigma", spec)
    if len(pr):
        pm.StudentT(
            "price_y", nu=4.0,
            mu=p0 + p1 * pr["t"].to_numpy() + kind[pr["kind_idx"].to_numpy()],
            sigma=ps, observed=pr["log10_usd_per_flop"].to_numpy(), dims="price_obs",
        )
    e0 = _normal("energy_intercept", spec)
    e1 = _normal("energy_slope", spec)
    es = _half_normal("energy_sigma", spec)
    en = data.energy
    if len(en):
        pm.StudentT("energy_y", nu=4.0, mu=e0 + e1 * en["t"].to_numpy(), sigma=es,
                    observed=en["log10_j_per_flop"].to_numpy(), dims="chip")
    u = spec.prior("utilization")
    a, b = utilization_beta_params(u["mean"], u["low"], u["high"])
    pm.Beta("utilization", alpha=a, beta=b)
