"""The follower-count law: a lognormal body whose upper tail is replaced by a power law.

Below the splice point ``x_t`` the value is lognormal (median ``m``, log-sd ``sigma``); above it
the survival function is ``q * (x / x_t) ** -(alpha - 1)``, where ``q`` is the lognormal's own mass
above ``x_t``. The splice point is where the lognormal's survival curve, drawn on log-log axes,
reaches slope ``-(alpha - 1)``: the curve is continuous and smooth there, so the parameters are just
``(median, sigma, alpha)``. ``alpha`` is the density exponent (Kwak et al. 2010 measured about 2.3
for Twitter followers). Values are floored to integers and capped at ``max``.

Everything here is scalar arithmetic for calibration; sampling lives in ``_sample``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

_SQRT2 = math.sqrt(2.0)


def normal_sf(z: float) -> float:
    """P(Z >= z) for a standard normal Z, accurate far into the upper tail."""
    return 0.5 * math.erfc(z / _SQRT2)


def normal_pdf(z: float) -> float:
    return math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def _hazard(z: float) -> float:
    return normal_pdf(z) / normal_sf(z)


@dataclass(frozen=True)
class LognormalPareto:
    """A lognormal body with a smoothly spliced power-law tail (see the module docstring)."""

    median: float
    sigma: float
    alpha: float
    max: int | None = None

    @property
    def mu(self) -> float:
        return math.log(self.median)

    @property
    def splice_z(self) -> float:
        """The standard-normal quantile at which the power-law tail takes over."""
        # The log-log slope of the lognormal survival at z is hazard(z) / sigma; hazard rises
        # monotonically, so bisection finds the unique z where it equals alpha - 1.
        target = (self.alpha - 1.0) * self.sigma
        lo, hi = -8.0, 30.0
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if _hazard(mid) < target:
                lo = mid
            else:
                hi = mid
        return 0.5 * (lo + hi)

    @property
    def splice_x(self) -> float:
        """The value above which the distribution is a pure power law."""
        return math.exp(self.mu + self.sigma * self.splice_z)

    @property
    def tail_mass(self) -> float:
        """P(X >= splice_x)."""
        return normal_sf(self.splice_z)

    def sf(self, x: float) -> float:
        """P(X >= x) for the continuous law (also P(floor(X) >= x) for whole-number x)."""
        if x <= 0:
            return 1.0
        if self.max is not None and x > self.max:
            return 0.0
        z = (math.log(x) - self.mu) / self.sigma
        z_t = self.splice_z
        if z < z_t:
            return normal_sf(z)
        power: float = (x / self.splice_x) ** -(self.alpha - 1.0)
        return normal_sf(z_t) * power


def fit_lognormal_pareto(
    alpha: float,
    lower: tuple[float, float],
    upper: tuple[float, float] | None = None,
    *,
    median: float | None = None,
) -> LognormalPareto:
    """The law with density exponent ``alpha`` through given points ``(x, share of accounts >= x)``.

    Either two points (``lower`` and ``upper``, ``x1 < x2``): median and sigma are both fitted; or
    one point and a chosen ``median``: sigma is fitted. For a fixed sigma the median meeting
    ``lower`` is found by bisection; sigma is then bisected until ``upper`` is met too (a wider
    body puts more mass above ``x2`` once ``x1``'s share is pinned).
    """
    x1, s1 = lower
    if not (x1 > 0 and 0 < s1 < 1):
        raise ValueError("need x > 0 and 0 < share < 1")
    if (upper is None) == (median is None):
        raise ValueError("give either upper or median")
    if median is not None:
        return _bisect_sigma(lambda sigma: LognormalPareto(median, sigma, alpha), lower)
    assert upper is not None
    x2, s2 = upper
    if not (x1 < x2 and 0 < s2 < s1):
        raise ValueError("need x1 < x2 and share1 > share2 > 0")

    def pinned(sigma: float) -> LognormalPareto:
        lo, hi = -60.0, math.log(x1)  # log-median
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if LognormalPareto(math.exp(mid), sigma, alpha).sf(x1) < s1:
                lo = mid
            else:
                hi = mid
        return LognormalPareto(math.exp(0.5 * (lo + hi)), sigma, alpha)

    return _bisect_sigma(pinned, upper)


def _bisect_sigma(
    make: Callable[[float], LognormalPareto], point: tuple[float, float]
) -> LognormalPareto:
    x, share = point
    lo, hi = 0.05, 12.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if make(mid).sf(x) < share:
            lo = mid
        else:
            hi = mid
    return make(0.5 * (lo + hi))


def normal_sf_array(z: NDArray[np.float64]) -> NDArray[np.float64]:
    """``normal_sf`` over an array (for calibration only, so a loop over ``math.erfc`` is fine)."""
    return np.array([0.5 * math.erfc(v / _SQRT2) for v in z.tolist()], dtype=np.float64)


def sf_array(law: LognormalPareto, x: NDArray[np.float64]) -> NDArray[np.float64]:
    """``law.sf`` over an array of positive values."""
    z_t = law.splice_z
    z = (np.log(x) - law.mu) / law.sigma
    out = np.empty_like(z)
    body = z < z_t
    out[body] = normal_sf_array(z[body])
    out[~body] = normal_sf(z_t) * (x[~body] / law.splice_x) ** -(law.alpha - 1.0)
    if law.max is not None:
        out[x > law.max] = 0.0
    return out
