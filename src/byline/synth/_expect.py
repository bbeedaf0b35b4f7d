"""Expected counts, computed exactly from a profile's distributions (no sampling)."""

from __future__ import annotations

import math

import numpy as np

from byline.synth._profile import ProductMetric, Profile, Where, label
from byline.synth._tail import normal_sf_array, sf_array

# A lognormal factor is taken to exceed b / s for sure once b / s is this many sds below its median.
_CERTAIN_SD = 8.0


def expected_share(profile: Profile, where: Where) -> float:
    """The probability that one generated account meets every ``metric >= value`` in ``where``."""
    base = profile.base_of(where)
    law = base.law
    floor = where.get(base.name, 0)
    factors: list[tuple[ProductMetric, int]] = []
    for name, v in where.items():
        m = profile.metric(name)
        if isinstance(m, ProductMetric) and v > 0:
            factors.append((m, v))
    if not factors:
        return law.sf(floor)
    # floor(s * P) >= b  <=>  P >= b / s, with s the (integer) base value; s = 0 never qualifies.
    lo = max(floor, 1)
    hi = max(math.ceil(v / (m.median * math.exp(-_CERTAIN_SD * m.sigma))) for m, v in factors)
    if law.max is not None:
        hi = min(hi, law.max)
    if hi < lo:
        return law.sf(lo)
    s = np.arange(lo, hi + 1, dtype=np.float64)
    pmf = sf_array(law, s) - sf_array(law, s + 1.0)
    joint = np.ones_like(s)
    for m, v in factors:
        joint *= normal_sf_array((np.log(v / s) - math.log(m.median)) / m.sigma)
    return float(np.sum(pmf * joint)) + law.sf(hi + 1)


def expected_counts(profile: Profile, accounts: int) -> dict[str, float]:
    """Expected number of accounts meeting each of the profile's count conditions."""
    return {label(w): accounts * expected_share(profile, w) for w in profile.counts}
