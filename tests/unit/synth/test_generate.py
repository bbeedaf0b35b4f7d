"""The synthetic platform generator: real files in tmp_path, read back with pyarrow and duckdb."""

from __future__ import annotations

import json
import math
from importlib import resources
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from byline.domain.vocabulary import AccountKind, Category
from byline.synth import (
    calibration_table,
    expected_counts,
    expected_share,
    fit_lognormal_pareto,
    load_profile,
    profile_names,
    write_snapshot,
)
from byline.synth._profile import TailMetric

# Large enough for ~40 accounts >=1M followers in a weibo snapshot; small enough to take ~1 s.
TAIL_N = 3_000_000
# Two chunks: a full one and a 500-row one.
TWO_CHUNKS = 1_000_500
# A count is Binomial(N, p): it may stray this many standard deviations from N * p (a chance of
# about 7 in a million per check for a correct generator) before a test calls it wrong.
Z = 4.5


def _within(observed: int, n: int, share: float) -> bool:
    sd = math.sqrt(n * share * (1.0 - share))
    return abs(observed - n * share) <= Z * sd + 0.5


@pytest.fixture(scope="module")
def weibo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_snapshot(tmp_path_factory.mktemp("weibo"), "weibo", TAIL_N, seed=1)


@pytest.fixture(scope="module")
def weibo_table(weibo: Path) -> pa.Table:
    return pq.read_table(weibo)


@pytest.fixture(scope="module")
def two_chunks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_snapshot(tmp_path_factory.mktemp("two"), "weibo", TWO_CHUNKS, seed=1)


# --- reproducibility -------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_file(two_chunks: Path, tmp_path: Path) -> None:
    seen: list[int] = []
    again = write_snapshot(tmp_path, "weibo", TWO_CHUNKS, seed=1, progress=seen.append)
    assert again.name == "accounts.parquet"
    assert again.read_bytes() == two_chunks.read_bytes()
    assert seen == [1_000_000, TWO_CHUNKS]


def test_different_seed_gives_different_rows(two_chunks: Path, tmp_path: Path) -> None:
    other = pq.read_table(write_snapshot(tmp_path, "weibo", TWO_CHUNKS, seed=2))
    first = pq.read_table(two_chunks)
    assert other.column("account_id").equals(first.column("account_id"))  # ids are row numbers
    assert not other.column("followers").equals(first.column("followers"))
    assert not other.column("handle").equals(first.column("handle"))


def test_a_full_chunk_is_the_same_in_any_snapshot_size(
    two_chunks: Path, weibo_table: pa.Table
) -> None:
    first_chunk = pq.read_table(two_chunks).slice(0, 1_000_000)
    assert first_chunk.equals(weibo_table.slice(0, 1_000_000))


# --- shape of a snapshot ---------------------------------------------------------------------


def test_schema_and_types(weibo: Path, weibo_table: pa.Table) -> None:
    assert weibo_table.schema.names == [
        "account_id",
        "kind",
        "category",
        "followers",
        "handle",
        "created_at",
        "owner_ref",
    ]
    types = {f.name: f.type for f in weibo_table.schema}
    assert types["followers"] == pa.int64()
    assert types["created_at"] == pa.date32()
    for name in ("account_id", "kind", "category", "handle", "owner_ref"):
        assert types[name] == pa.string()
    assert weibo_table.num_rows == TAIL_N
    assert pq.read_metadata(weibo).num_row_groups == 3


def test_ids_and_handles_are_unique_and_prefixed(weibo_table: pa.Table) -> None:
    con = duckdb.connect()
    con.register("t", weibo_table)
    row = con.execute(
        "SELECT count(DISTINCT account_id), count(DISTINCT handle), "
        "bool_and(starts_with(account_id, 'weibo-')), min(account_id), max(account_id) FROM t"
    ).fetchone()
    assert row == (TAIL_N, TAIL_N, True, "weibo-000000000000", "weibo-000002999999")


def test_kinds_and_categories_come_from_the_vocabulary(weibo_table: pa.Table) -> None:
    kinds = set(weibo_table.column("kind").unique().to_pylist())
    categories = set(weibo_table.column("category").unique().to_pylist())
    assert kinds == {str(k) for k in AccountKind}
    assert categories == {str(c) for c in Category}
    counts = weibo_table.group_by("category").aggregate([("category", "count")]).to_pydict()
    by_category = dict(zip(counts["category"], counts["category_count"], strict=True))
    biggest_two = sorted(by_category, key=lambda c: by_category[c])[-2:]
    assert set(biggest_two) == {"daily_life", "entertainment"}


def test_organisations_are_more_common_among_big_accounts(weibo_table: pa.Table) -> None:
    followers = weibo_table.column("followers").to_numpy()
    org = weibo_table.column("kind").to_numpy(zero_copy_only=False) == "organization"
    assert org[followers < 100].mean() < 0.05
    assert org[followers >= 100_000].mean() > 0.15


def test_secondary_accounts_share_an_owner(weibo_table: pa.Table) -> None:
    owners = weibo_table.column("owner_ref").drop_null()
    # Whole chunks pair their linked accounts exactly, so only the draw of which are linked varies.
    assert _within(len(owners), TAIL_N, load_profile("weibo").secondary_share)
    sizes = pa.table({"o": owners}).group_by("o").aggregate([("o", "count")]).column("o_count")
    assert set(sizes.to_pylist()) <= {2, 3}
    assert all(ref.startswith("weibo-owner-") for ref in owners.to_pylist()[:100])


def test_created_dates_lie_in_the_profile_window(weibo_table: pa.Table) -> None:
    population = load_profile("weibo").population
    con = duckdb.connect()
    con.register("t", weibo_table)
    row = con.execute("SELECT min(created_at), max(created_at) FROM t").fetchone()
    assert row is not None
    assert population.created_from <= row[0] < row[1] <= population.created_to


# --- the follower distribution ----------------------------------------------------------------


def test_followers_are_heavy_tailed(weibo_table: pa.Table) -> None:
    followers = weibo_table.column("followers").to_numpy()
    assert followers.min() >= 0
    assert np.median(followers) <= 5  # most accounts have very few followers
    assert followers.max() >= 1_000_000
    assert (followers == 0).mean() > 0.3


@pytest.mark.parametrize("threshold", [10_000, 100_000, 500_000, 1_000_000])
def test_tail_counts_match_the_calibration(weibo_table: pa.Table, threshold: int) -> None:
    profile = load_profile("weibo")
    share = expected_share(profile, {"followers": threshold})
    observed = int(np.count_nonzero(weibo_table.column("followers").to_numpy() >= threshold))
    assert _within(observed, TAIL_N, share), (threshold, observed, TAIL_N * share)


def test_power_law_tail_counts_match_the_calibration(tmp_path: Path) -> None:
    # Weibo's power law starts above 800K followers; Douyin's starts near 46K, so its counts at
    # 100K-1M test the power-law draw itself.
    n = 2_000_000
    profile = load_profile("douyin")
    metric = profile.metric("followers")
    assert isinstance(metric, TailMetric) and metric.law.splice_x < 100_000
    followers = pq.read_table(write_snapshot(tmp_path, "douyin", n, seed=4)).column("followers")
    values = followers.to_numpy()
    for threshold in (50_000, 100_000, 500_000, 1_000_000):
        share = expected_share(profile, {"followers": threshold})
        observed = int(np.count_nonzero(values >= threshold))
        assert _within(observed, n, share), (threshold, observed, n * share)


def test_manifest_counts_the_file(weibo: Path, weibo_table: pa.Table) -> None:
    manifest = json.loads((weibo.parent / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["profile"] == "weibo"
    assert manifest["seed"] == 1
    assert manifest["accounts"] == TAIL_N
    assert manifest["data_file"] == "accounts.parquet"
    assert manifest["generation_seconds"] > 0
    followers = weibo_table.column("followers").to_numpy()
    expected = expected_counts(load_profile("weibo"), TAIL_N)
    thresholds = [10_000, 100_000, 500_000, 1_000_000, 10_000_000]
    assert list(manifest["counts"]) == [f"followers>={t}" for t in thresholds]
    for label, where in manifest["conditions"].items():
        count = int(np.count_nonzero(followers >= where["followers"]))
        assert manifest["counts"][label] == count
        assert manifest["expected_counts"][label] == pytest.approx(expected[label], abs=0.001)


# --- profiles ---------------------------------------------------------------------------------


def test_profiles_and_aliases() -> None:
    assert profile_names() == ["douyin", "marketplace", "social", "weibo"]
    for alias in ("wechat", "kuaishou", "bilibili", "xiaohongshu", "baidu", "zhihu"):
        assert load_profile(alias).name == "social"
    assert load_profile("us-inform").name == "marketplace"
    assert load_profile("Weibo").name == "weibo"


def test_unknown_profile_names_the_choices(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown platform profile 'myspace'") as caught:
        load_profile("myspace")
    for name in profile_names():
        assert name in str(caught.value)
    with pytest.raises(ValueError, match="douyin, marketplace, social, weibo"):
        write_snapshot(tmp_path, "myspace", 10, seed=0)
    assert not list(tmp_path.iterdir())


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="parquet, csv, jsonl"):
        write_snapshot(tmp_path, "weibo", 10, seed=0, fmt="xlsx")


@pytest.mark.parametrize("name", ["douyin", "marketplace", "social", "weibo"])
def test_profile_parameters_meet_their_targets(name: str) -> None:
    profile = load_profile(name)
    size = profile.population.reference_accounts
    assert profile.targets
    for target in profile.targets:
        expected = size * expected_share(profile, target.where)
        assert expected == pytest.approx(target.count, rel=0.02), target
    for figure in profile.published:
        if figure.relation == "about":
            expected = size * expected_share(profile, figure.where)
            assert expected == pytest.approx(figure.count, rel=0.10), figure


def test_weibo_parameters_are_the_fit_of_its_targets() -> None:
    profile = load_profile("weibo")
    size = profile.population.reference_accounts
    (low, high) = sorted(profile.targets, key=lambda t: t.where["followers"])
    law = fit_lognormal_pareto(
        2.3,
        (low.where["followers"], low.count / size),
        (high.where["followers"], high.count / size),
    )
    metric = profile.metric("followers")
    assert law.median == pytest.approx(metric.median, rel=1e-3)
    assert law.sigma == pytest.approx(metric.sigma, rel=1e-3)


def test_weibo_reference_size_has_thousands_over_a_million() -> None:
    profile = load_profile("weibo")
    at_reference = expected_counts(profile, profile.population.reference_accounts)
    assert 3_300 < at_reference["followers>=1000000"] < 20_000
    assert 10_000 <= at_reference["followers>=500000"] < 47_000
    assert 50 < expected_counts(profile, 10_000_000)["followers>=1000000"] < 500


# --- the marketplace profile ------------------------------------------------------------------


def test_marketplace_has_sales_and_revenue(tmp_path: Path) -> None:
    n = 400_000
    table = pq.read_table(write_snapshot(tmp_path, "us-inform", n, seed=5))
    assert "followers" not in table.schema.names
    assert table.schema.field("sales_12m").type == pa.int64()
    assert table.schema.field("revenue_12m_usd").type == pa.int64()
    assert table.column("account_id")[0].as_py() == "seller-000000000000"
    sales = table.column("sales_12m").to_numpy()
    revenue = table.column("revenue_12m_usd").to_numpy()
    assert sales.min() >= 0 and revenue.min() >= 0
    assert not revenue[sales == 0].any()
    assert np.corrcoef(np.log1p(sales), np.log1p(revenue))[0, 1] > 0.7
    profile = load_profile("marketplace")
    high_volume = int(np.count_nonzero((sales >= 200) & (revenue >= 5_000)))
    shown = int(np.count_nonzero(revenue >= 20_000))
    assert 0.03 < high_volume / n < 0.25 and shown < high_volume
    both = {"sales_12m": 200, "revenue_12m_usd": 5000}
    assert _within(high_volume, n, expected_share(profile, both))
    assert _within(shown, n, expected_share(profile, {"revenue_12m_usd": 20_000}))
    # Sales follow the power law above about 680: a few percent of sellers, so N = 400K tests
    # the tail exponent sharply.
    for threshold in (1_000, 10_000, 100_000):
        share = expected_share(profile, {"sales_12m": threshold})
        assert _within(int(np.count_nonzero(sales >= threshold)), n, share), threshold
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["profile"] == "marketplace" and manifest["platform"] == "us-inform"
    assert manifest["conditions"]["sales_12m>=200 & revenue_12m_usd>=5000"] == both
    assert manifest["counts"]["sales_12m>=200 & revenue_12m_usd>=5000"] == high_volume


# --- other formats ----------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "reader"), [("csv", "read_csv"), ("jsonl", "read_json")])
def test_text_formats_hold_the_same_rows(tmp_path: Path, fmt: str, reader: str) -> None:
    n = 60_000
    parquet = write_snapshot(tmp_path / "p", "bilibili", n, seed=9)
    text = write_snapshot(tmp_path / fmt, "bilibili", n, seed=9, fmt=fmt)
    assert text.name == f"accounts.{fmt}"
    again = write_snapshot(tmp_path / "again", "bilibili", n, seed=9, fmt=fmt)
    assert text.read_bytes() == again.read_bytes()
    con = duckdb.connect()
    types = con.execute(f"DESCRIBE SELECT * FROM {reader}(?)", [str(text)]).fetchall()
    assert [(r[0], r[1]) for r in types] == [
        ("account_id", "VARCHAR"),
        ("kind", "VARCHAR"),
        ("category", "VARCHAR"),
        ("followers", "BIGINT"),
        ("handle", "VARCHAR"),
        ("created_at", "DATE"),
        ("owner_ref", "VARCHAR"),
    ]
    a, b = f"read_parquet('{parquet}')", f"{reader}('{text}')"
    for left, right in ((a, b), (b, a)):
        differing = con.execute(
            f"SELECT count(*) FROM (SELECT * FROM {left} EXCEPT ALL SELECT * FROM {right})"
        ).fetchone()
        assert differing == (0,)
    total = con.execute(f"SELECT count(*), count(owner_ref) FROM {b}").fetchone()
    assert total is not None and total[0] == n and total[1] > 0


def test_empty_snapshot(tmp_path: Path) -> None:
    data = write_snapshot(tmp_path, "weibo", 0, seed=0)
    assert pq.read_table(data).num_rows == 0


def test_calibration_table_reports_generated_and_published(tmp_path: Path) -> None:
    table = calibration_table("douyin", 200_000, seed=0, out_dir=tmp_path)
    assert "`followers>=10000000`" in table
    assert "≈ 175 (2019)" in table
    assert table.count("\n|") >= 6


def _weibo_text() -> str:
    source = resources.files("byline.synth").joinpath("profiles").joinpath("weibo.toml")
    return source.read_text(encoding="utf-8")


def test_a_profile_file_can_be_given_by_path(tmp_path: Path) -> None:
    custom = tmp_path / "tinyplat.toml"
    custom.write_text(_weibo_text().replace('id_prefix = "weibo-"', 'id_prefix = "tiny-"'))
    data = write_snapshot(tmp_path / "out", str(custom), 1_000, seed=0)
    assert pq.read_table(data).column("account_id")[0].as_py() == "tiny-000000000000"
    manifest = json.loads((data.parent / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["profile"] == "tinyplat"


def test_a_bad_profile_file_is_refused_naming_the_field(tmp_path: Path) -> None:
    custom = tmp_path / "bad.toml"
    custom.write_text(_weibo_text().replace("alpha = 2.3", "alpha = 0.5"))
    with pytest.raises(ValueError, match=r"(?s)profile 'bad'.*alpha"):
        load_profile(str(custom))
    custom.write_text(_weibo_text().replace("law = 0.01", "astrology = 0.01"))
    with pytest.raises(ValueError, match="astrology"):
        load_profile(str(custom))
