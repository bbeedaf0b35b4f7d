"""The calibration table: generated counts beside the profile's expected and published figures."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import duckdb

from byline.synth._expect import expected_share
from byline.synth._generate import MANIFEST, write_snapshot
from byline.synth._profile import Profile, Published, Where, label, load_profile

_SYMBOL = {"about": "≈", "more than": ">", "upper bound": "≤"}
_ABOUT = 0.10  # "about" agrees when within 10%


def calibration_table(
    platform: str = "weibo",
    accounts: int = 10_000_000,
    seed: int = 0,
    *,
    out_dir: Path | None = None,
) -> str:
    """Generate a snapshot and return a Markdown table of generated, expected and published counts.

    Expected counts are exact, from the profile's distribution (no sampling), both for ``accounts``
    and for the profile's reference size. Published figures are shown as published and scaled to
    ``accounts`` by the accounts of their year (or the reference size when none was published).
    """
    profile = load_profile(platform)
    if out_dir is not None:
        return _table(profile, accounts, seed, Path(out_dir))
    with tempfile.TemporaryDirectory(prefix="byline-calibration-") as tmp:
        return _table(profile, accounts, seed, Path(tmp))


def _table(profile: Profile, accounts: int, seed: int, out_dir: Path) -> str:
    data = write_snapshot(out_dir, profile.name, accounts, seed)
    manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    wheres = _rows(profile)
    generated = _generated_counts(data, wheres)
    ref = profile.population.reference_accounts
    lines = [
        f"Profile `{profile.name}`, {accounts:,} accounts, seed {seed}: generated in "
        f"{manifest['generation_seconds']:.1f} s ({manifest['rows_per_second']:,} rows/s). "
        f"Reference size: {ref:,} accounts ({profile.population.reference_label}).",
        "",
        f"| condition | generated ({_short(accounts)}) | expected ({_short(accounts)}) "
        f"| published, scaled to {_short(accounts)} | expected ({_short(ref)}) "
        f"| target ({_short(ref)}) | published | agrees |",
        "|---|--:|--:|--:|--:|--:|---|---|",
    ]
    for where, got in zip(wheres, generated, strict=True):
        share = expected_share(profile, where)
        figures = [p for p in profile.published if p.where == where]
        targets = [t.count for t in profile.targets if t.where == where]
        lines.append(
            "| "
            + " | ".join(
                [
                    f"`{label(where)}`",
                    f"{got:,}",
                    _num(share * accounts),
                    "; ".join(_scaled(p, accounts, ref) for p in figures) or "–",
                    _num(share * ref),
                    "; ".join(f"{t:,}" for t in targets) or "–",
                    "; ".join(_quoted(p) for p in figures) or "–",
                    "; ".join(_agrees(p, share * ref) for p in figures) or "–",
                ]
            )
            + " |"
        )
    return "\n".join(lines) + "\n"


def _rows(profile: Profile) -> list[Where]:
    seen: dict[str, Where] = {}
    targets = [t.where for t in profile.targets]
    for where in [*profile.counts, *targets, *(p.where for p in profile.published)]:
        seen.setdefault(label(where), where)
    return sorted(seen.values(), key=lambda w: (len(w), tuple(w), tuple(w.values())))


def _generated_counts(data: Path, wheres: list[Where]) -> list[int]:
    filters = [
        "count(*) FILTER (WHERE " + " AND ".join(f'"{m}" >= {v}' for m, v in w.items()) + ")"
        for w in wheres
    ]
    with duckdb.connect() as con:
        query = f"SELECT {', '.join(filters)} FROM read_parquet(?)"
        row = con.execute(query, [str(data)]).fetchone()
    assert row is not None
    return [int(v) for v in row]


def _short(n: int) -> str:
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K")):
        if n >= size and n % (size // 10) == 0:
            return f"{n / size:g}{suffix}"
    return f"{n:,}"


def _num(x: float) -> str:
    return f"{x:,.1f}" if x < 100 else f"{x:,.0f}"


def _scaled(p: Published, accounts: int, ref: int) -> str:
    return f"{_SYMBOL[p.relation]} {_num(p.count * accounts / (p.population or ref))}"


def _quoted(p: Published) -> str:
    base = f" of {_short(p.population)}" if p.population else ""
    return f"{_SYMBOL[p.relation]} {p.count:,} ({p.year}{base})"


def _agrees(p: Published, expected: float) -> str:
    if p.relation == "about":
        ok = abs(expected - p.count) <= _ABOUT * p.count
    elif p.relation == "more than":
        ok = expected > p.count
    else:
        ok = expected <= p.count
    return f"{'yes' if ok else 'no'} ({p.year})"
