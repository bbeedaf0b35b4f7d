"""The random part of one chunk: every draw, vectorised, from ``default_rng([seed, chunk])``."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from numpy.typing import NDArray

from byline.domain.vocabulary import AccountKind, Category
from byline.synth._profile import ProductMetric, Profile, TailMetric

# Rows per chunk. Fixed, never tuned to the machine: chunk i of (profile, seed) is always the same
# rows, so a snapshot is reproducible anywhere (and a full chunk is the same in any snapshot size).
CHUNK_ROWS = 1_000_000

EPOCH = dt.date(1970, 1, 1)
CATEGORIES: tuple[Category, ...] = tuple(Category)
KINDS: tuple[AccountKind, ...] = (AccountKind.INDIVIDUAL, AccountKind.ORGANIZATION)


@dataclass(frozen=True)
class Draws:
    """One chunk's values, before they become Arrow columns."""

    start: int  # global row number of the first row
    metrics: dict[str, NDArray[np.int64]]
    organization: NDArray[np.bool_]
    category: NDArray[np.intp]  # index into CATEGORIES
    created_days: NDArray[np.int32]  # days since 1970-01-01
    handle_word: NDArray[np.intp]  # index into the profile's handle words
    owner: NDArray[np.int64]  # global row number of the owner's first account; -1: no shared owner


# Chunks of a platform's head are numbered from here, so their draws never meet the body's.
HEAD_CHUNKS = 1 << 20


@dataclass(frozen=True)
class Head:
    """A platform's head: every account whose size metric is at least ``cut`` on a platform of
    ``represents`` accounts, drawn from the profile's law above the cut (in the number the law
    gives at that size), beside a sample of the body (the law below the cut)."""

    represents: int
    cut: int

    def rows(self, profile: Profile) -> int:
        """How many accounts of a platform that size reach the cut."""
        size = profile.metric(profile.size_metric)
        if not isinstance(size, TailMetric):
            raise ValueError(f"the size metric {profile.size_metric} has no law of its own")
        return round(self.represents * size.law.sf(self.cut))


# A band of the size metric a chunk is drawn from: (at least, below); None: unbounded.
Band = tuple[int | None, int | None]


def chunks(accounts: int) -> Iterator[tuple[int, int, int]]:
    """``(chunk index, first row, rows)`` for a snapshot of ``accounts`` rows."""
    for index, start in enumerate(range(0, accounts, CHUNK_ROWS)):
        yield index, start, min(CHUNK_ROWS, accounts - start)


def banded_chunks(
    profile: Profile, accounts: int, head: Head | None
) -> Iterator[tuple[int, int, int, Band | None]]:
    """``(chunk index, first row, rows, band)``: ``accounts`` rows, and with a ``head``, those
    rows drawn below its cut and then the head's rows (numbered after them) at or above it."""
    if head is None:
        for index, start, rows in chunks(accounts):
            yield index, start, rows, None
        return
    for index, start, rows in chunks(accounts):
        yield index, start, rows, (None, head.cut)
    for index, start, rows in chunks(head.rows(profile)):
        yield HEAD_CHUNKS + index, accounts + start, rows, (head.cut, None)


def draw(
    profile: Profile, seed: int, index: int, start: int, rows: int, band: Band | None = None
) -> Draws:
    """All of chunk ``index``'s draws. The order of draws is part of the format: do not reorder.
    With a ``band``, the size metric is drawn from the law within it."""
    rng = np.random.default_rng([seed, index])
    metrics: dict[str, NDArray[np.int64]] = {}
    for m in profile.metrics:
        if isinstance(m, TailMetric) and band is not None and m.name == profile.size_metric:
            metrics[m.name] = _banded_metric(rng, m, rows, band)
        elif isinstance(m, TailMetric):
            metrics[m.name] = _tail_metric(rng, m, rows)
        else:
            metrics[m.name] = _product_metric(rng, m, metrics[m.of])
    organization = _organization(rng, profile, metrics[profile.size_metric])
    return Draws(
        start=start,
        metrics=metrics,
        organization=organization,
        category=_category(rng, profile, organization),
        created_days=_created(rng, profile, rows),
        handle_word=rng.integers(0, len(profile.population.handle_words), rows).astype(np.intp),
        owner=_owners(rng, profile.secondary_share, start, rows),
    )


def _tail_metric(rng: np.random.Generator, m: TailMetric, rows: int) -> NDArray[np.int64]:
    law = m.law
    z = rng.standard_normal(rows)
    x = np.exp(law.mu + law.sigma * z)
    tail = z >= law.splice_z
    # Inverse-CDF draw from the power law above the splice point; 1 - U lies in (0, 1].
    x[tail] = law.splice_x * (1.0 - rng.random(int(np.count_nonzero(tail)))) ** (
        -1.0 / (law.alpha - 1.0)
    )
    cap = float(m.max) if m.max is not None else 2.0**62
    values: NDArray[np.int64] = np.floor(np.minimum(x, cap)).astype(np.int64)
    return values


def _banded_metric(
    rng: np.random.Generator, m: TailMetric, rows: int, band: Band
) -> NDArray[np.int64]:
    """The law within ``band``: below a bound, the law's draws with each one at or above it drawn
    again (exact, and rare); at or above a bound, the inverse of the survival function at a
    uniform share of the mass above it."""
    low, high = band
    if low is None:
        values = _tail_metric(rng, m, rows)
        if high is None:
            return values
        over = np.flatnonzero(values >= high)
        while over.shape[0]:
            values[over] = _tail_metric(rng, m, over.shape[0])
            over = over[values[over] >= high]
        return values
    law = m.law
    share = law.sf(low) * (1.0 - rng.random(rows))  # in (0, P(X >= low)]
    x = np.empty(rows, dtype=np.float64)
    tail = share <= law.tail_mass
    x[tail] = law.splice_x * (share[tail] / law.tail_mass) ** (-1.0 / (law.alpha - 1.0))
    normal = NormalDist()
    z = [normal.inv_cdf(1.0 - s) for s in share[~tail].tolist()]
    x[~tail] = np.exp(law.mu + law.sigma * np.array(z, dtype=np.float64))
    cap = float(m.max) if m.max is not None else 2.0**62
    drawn: NDArray[np.int64] = np.maximum(np.floor(np.minimum(x, cap)), low).astype(np.int64)
    return drawn


def _product_metric(
    rng: np.random.Generator, m: ProductMetric, base: NDArray[np.int64]
) -> NDArray[np.int64]:
    factor = np.exp(math.log(m.median) + m.sigma * rng.standard_normal(base.shape[0]))
    values: NDArray[np.int64] = np.floor(np.minimum(base * factor, 2.0**62)).astype(np.int64)
    return values


def _organization(
    rng: np.random.Generator, profile: Profile, size: NDArray[np.int64]
) -> NDArray[np.bool_]:
    k = profile.kinds
    t = (np.log10(size + 1.0) - math.log10(k.pivot)) / k.width_decades
    small, large = k.organization_share_small, k.organization_share_large
    share = small + (large - small) / (1.0 + np.exp(-t))
    organization: NDArray[np.bool_] = rng.random(size.shape[0]) < share
    return organization


def _cumulative(weights: dict[Category, float]) -> NDArray[np.float64]:
    w = np.array([weights.get(c, 0.0) for c in CATEGORIES], dtype=np.float64)
    cum = np.cumsum(w / w.sum())
    cum[-1] = 1.0
    return cum


def _category(
    rng: np.random.Generator, profile: Profile, organization: NDArray[np.bool_]
) -> NDArray[np.intp]:
    u = rng.random(organization.shape[0])
    person = np.searchsorted(_cumulative(profile.categories[AccountKind.INDIVIDUAL]), u, "right")
    org = np.searchsorted(_cumulative(profile.categories[AccountKind.ORGANIZATION]), u, "right")
    picked: NDArray[np.intp] = np.where(organization, org, person).astype(np.intp)
    return picked


def _created(rng: np.random.Generator, profile: Profile, rows: int) -> NDArray[np.int32]:
    p = profile.population
    first = (p.created_from - EPOCH).days
    span = (p.created_to - p.created_from).days
    # Density of opening dates grows like t ** (skew - 1): a platform that kept growing.
    offset = np.floor((span + 1) * rng.random(rows) ** (1.0 / p.created_skew))
    return (first + np.minimum(offset, span)).astype(np.int32)


def _owners(rng: np.random.Generator, share: float, start: int, rows: int) -> NDArray[np.int64]:
    """Accounts that share an owner with another account of the chunk, in groups of two or three."""
    owner = np.full(rows, -1, dtype=np.int64)
    linked = np.flatnonzero(rng.random(rows) < share)
    if linked.shape[0] < 2:
        return owner
    group = np.arange(linked.shape[0]) // 2
    if linked.shape[0] % 2:
        group[-1] = group[-2]  # the odd one out joins the last pair
    owner[linked] = start + linked[group * 2]
    return owner
