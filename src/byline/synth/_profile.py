"""Platform profiles: the shape of a synthetic platform, read from ``profiles/<name>.toml``."""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from byline.domain.policy import RESERVED_COLUMNS
from byline.domain.vocabulary import AccountKind, Category
from byline.synth._tail import LognormalPareto

_PACKAGE = "byline.synth"
_FOLDER = "profiles"

MetricName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
Where = dict[MetricName, Annotated[int, Field(ge=0)]]
HandleWord = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]*$", max_length=20)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TailMetric(_Model):
    """A base metric drawn from a lognormal body with a power-law tail (see ``_tail``)."""

    name: MetricName
    distribution: Literal["lognormal_pareto"]
    median: Annotated[float, Field(gt=0.0)]
    sigma: Annotated[float, Field(gt=0.0, le=8.0)]
    alpha: Annotated[float, Field(gt=1.05, le=6.0)]
    max: Annotated[int, Field(gt=0)] | None = None

    @property
    def law(self) -> LognormalPareto:
        return LognormalPareto(self.median, self.sigma, self.alpha, self.max)


class ProductMetric(_Model):
    """A metric equal to floor(another metric x a lognormal factor): revenue = sales x price."""

    name: MetricName
    distribution: Literal["times_lognormal"]
    of: MetricName
    median: Annotated[float, Field(gt=0.0)]
    sigma: Annotated[float, Field(gt=0.0, le=4.0)]


Metric = Annotated[TailMetric | ProductMetric, Field(discriminator="distribution")]


class Population(_Model):
    """The published or assumed size of the platform, and when its accounts were opened."""

    reference_accounts: Annotated[int, Field(gt=0)]
    reference_label: str
    reference_note: str = ""
    created_from: dt.date
    created_to: dt.date
    created_skew: Annotated[float, Field(gt=0.0, le=10.0)] = 1.0  # >1: more accounts opened lately
    handle_words: tuple[HandleWord, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _dates_in_order(self) -> Self:
        if self.created_to < self.created_from:
            raise ValueError("created_to is before created_from")
        return self


class Kinds(_Model):
    """Organisation share: a logistic curve in log10(size metric), from small to large accounts."""

    organization_share_small: Share
    organization_share_large: Share
    pivot: Annotated[float, Field(gt=0.0)]  # the size at which the share is halfway between
    width_decades: Annotated[float, Field(gt=0.0)] = 0.5


class Target(_Model):
    """A count at the reference size the parameters were fitted to."""

    where: Where = Field(min_length=1)
    count: Annotated[int, Field(ge=0)]
    note: str = ""


class Published(_Model):
    """A published figure the profile is compared against, with where it comes from."""

    where: Where = Field(min_length=1)
    count: Annotated[int, Field(ge=0)]
    relation: Literal["about", "more than", "upper bound"]
    year: int
    population: Annotated[int, Field(gt=0)] | None = None  # accounts at the time, if published
    source: str
    note: str = ""


class Profile(_Model):
    """One synthetic platform: metrics, account mix, and what it is calibrated against."""

    name: str
    description: str
    aliases: tuple[str, ...] = ()
    id_prefix: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$", max_length=20)]
    size_metric: MetricName
    metrics: tuple[Metric, ...] = Field(min_length=1)
    population: Population
    kinds: Kinds
    categories: dict[AccountKind, dict[Category, Annotated[float, Field(ge=0.0)]]]
    secondary_share: Annotated[float, Field(ge=0.0, le=0.5)]
    counts: tuple[Where, ...] = Field(min_length=1)
    targets: tuple[Target, ...] = ()
    published: tuple[Published, ...] = ()
    assumptions: tuple[str, ...] = ()

    @property
    def metric_names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.metrics)

    def metric(self, name: str) -> TailMetric | ProductMetric:
        for m in self.metrics:
            if m.name == name:
                return m
        raise KeyError(name)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        names = self.metric_names
        if len(set(names)) != len(names):
            raise ValueError(f"metric names repeat: {names}")
        base: set[str] = set()
        for m in self.metrics:
            if m.name in RESERVED_COLUMNS:
                raise ValueError(f"metric name {m.name!r} is a reserved snapshot column")
            if isinstance(m, ProductMetric) and m.of not in base:
                raise ValueError(
                    f"metric {m.name!r}: 'of' must name an earlier lognormal_pareto metric"
                )
            if isinstance(m, TailMetric):
                base.add(m.name)
        if self.size_metric not in base:
            raise ValueError(f"size_metric {self.size_metric!r} is not a lognormal_pareto metric")
        for kind in AccountKind:
            weights = self.categories.get(kind)
            if not weights or sum(weights.values()) <= 0:
                raise ValueError(f"categories.{kind}: give positive weights")
        for where in self._all_wheres():
            self.base_of(where)
        return self

    def _all_wheres(self) -> list[Where]:
        return [*self.counts, *(t.where for t in self.targets), *(p.where for p in self.published)]

    def base_of(self, where: Where) -> TailMetric:
        """The one base metric a condition is about (conditions may add metrics derived from it)."""
        bases: set[str] = set()
        for name in where:
            if name not in self.metric_names:
                raise ValueError(f"condition {where}: no metric {name!r}")
            m = self.metric(name)
            bases.add(m.of if isinstance(m, ProductMetric) else m.name)
        if len(bases) != 1:
            raise ValueError(
                f"condition {where}: must concern one base metric and metrics derived from it"
            )
        found = self.metric(bases.pop())
        assert isinstance(found, TailMetric)
        return found


def label(where: Where) -> str:
    """How a condition is named in manifests and tables: ``followers>=1000000``."""
    return " & ".join(f"{m}>={v}" for m, v in where.items())


def profile_names() -> list[str]:
    """The shipped profiles, sorted (aliases not included)."""
    files = resources.files(_PACKAGE).joinpath(_FOLDER).iterdir()
    return sorted(p.name.removesuffix(".toml") for p in files if p.name.endswith(".toml"))


@functools.cache
def _read(name: str) -> Profile:
    source = resources.files(_PACKAGE).joinpath(_FOLDER).joinpath(f"{name}.toml")
    return parse_profile(source.read_text(encoding="utf-8"), name, f"{_FOLDER}/{name}.toml")


def parse_profile(text: str, name: str, origin: str) -> Profile:
    """A profile from TOML text; ``name`` is its file's stem, ``origin`` names it in errors."""
    origin = f"profile {name!r} ({origin})"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{origin}: not valid TOML: {exc}") from None
    if "name" in data:
        raise ValueError(f"{origin}: the name comes from the file name; remove 'name'")
    try:
        return Profile.model_validate({"name": name, **data})
    except ValidationError as exc:
        raise ValueError(f"{origin}: {exc}") from None


def _aliases() -> dict[str, str]:
    table: dict[str, str] = {}
    for name in profile_names():
        for alias in _read(name).aliases:
            table[alias] = name
    return table


def load_profile(name: str) -> Profile:
    """A shipped profile by name or alias, or a profile file by a path ending in ``.toml``.

    An unknown name raises ValueError listing the shipped names and aliases.
    """
    if name.endswith(".toml") and Path(name).is_file():
        path = Path(name)
        return parse_profile(path.read_text(encoding="utf-8"), path.stem, str(path))
    key = name.strip().lower()
    names = profile_names()
    if key in names:
        return _read(key)
    aliases = _aliases()
    if key in aliases:
        return _read(aliases[key])
    alias_text = ", ".join(f"{a} -> {p}" for a, p in sorted(aliases.items()))
    raise ValueError(
        f"unknown platform profile {name!r}; choose one of: {', '.join(names)}"
        + (f" (aliases: {alias_text})" if alias_text else "")
    )
