"""The demo reports progress for each long step: the evaluations, the follow graph, every
programme week and, within a week, the cases its people have worked through."""

from __future__ import annotations

from pathlib import Path

from byline.service import run_demo


def test_every_long_step_reports_its_progress(tmp_path: Path) -> None:
    heard: list[tuple[str, int, int]] = []
    report = run_demo(
        tmp_path / "demo",
        "weibo",
        20_000_000,  # the head of a 20M platform: a few dozen cases
        7,
        sample=20_000,
        edges=50_000,
        on_progress=lambda what, done, total: heard.append((what, done, total)),
    )
    assert report.programme is not None and report.head is not None
    steps = [what for what, _, _ in heard]
    assert ("evaluate", 4, 4) in heard and ("follow graph", 1, 1) in heard
    weeks = [(done, total) for what, done, total in heard if what == "weeks"]
    assert weeks[0] == (0, len(report.programme.weeks))
    assert weeks[-1] == (len(report.programme.weeks),) * 2
    # within each week, the cases worked through, ending with all of them
    for week in report.programme.weeks:
        said = [(d, t) for what, d, t in heard if what == f"week {week.as_of}"]
        assert said, week.as_of
        done, total = said[-1]
        assert done == total
    assert any(t > 0 for what, _, t in heard if what.startswith("week "))
    assert steps.index("evaluate") < steps.index("follow graph") < steps.index("weeks")
