"""The programme's report for a period, and its statements of reasons.

Every figure is counted from the programme's own records: case changes from the audit trail,
restrictions from the enforcement feed, statements from their table, disclosures by basis from
the public log, label lookups from their daily tallies. No name is ever read: nothing here
touches the vault. ``docs/report.md`` says what each figure counts and the JSON's schema.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from byline import audit, cases, translog, words
from byline.domain import statements
from byline.domain.policy import Policy
from byline.domain.vocabulary import AuditAction
from byline.service._base import Deps, Service
from byline.service.policies import NoActivePolicy, active_policy
from byline.service.public_log import PublicLog

SCHEMA = "byline-report/1"
# The JSON's schema, shipped with the package (and the statements' lines')
SCHEMA_FILE = Path(__file__).parent / "report.schema.json"
STATEMENT_SCHEMA_FILE = Path(__file__).parent / "statement.schema.json"
FORMATS = ("json", "html", "pdf")

# The case changes a tier's row counts, each by the audit action that records it.
CASE_FIGURES = {
    "notices_sent": AuditAction.CASE_NOTIFIED,
    "disclosed": AuditAction.CASE_DISCLOSED,
    "overdue": AuditAction.CASE_OVERDUE,
    "refused": AuditAction.CASE_REFUSED,
    "released": AuditAction.CASE_RELEASED,
    "withdrawn": AuditAction.CASE_WITHDRAWN,
    "volunteered": AuditAction.CASE_VOLUNTEERED,
}
APPEAL_FIGURES = {
    "made": AuditAction.CASE_APPEALED,
    "upheld": AuditAction.CASE_APPEAL_UPHELD,
    "denied": AuditAction.CASE_APPEAL_DENIED,
}
_CASE_ACTIONS = {a.value: k for k, a in CASE_FIGURES.items()}
_APPEAL_ACTIONS = {a.value: k for k, a in APPEAL_FIGURES.items()}
_READS = {AuditAction.NAME_DECRYPTED.value: "names", AuditAction.NOTE_DECRYPTED.value: "notes"}


def _write(path: Path, content: bytes) -> Path:
    part = path.with_name(path.name + ".part")
    part.write_bytes(content)
    part.replace(path)
    return path


class ReportPeriodError(ValueError):
    """A period that is not one: its end before its start."""


@dataclass(frozen=True)
class Period:
    """Whole days, both ends included, in UTC."""

    first: dt.date
    last: dt.date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ReportPeriodError(f"--to {self.last} is before --from {self.first}")

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(), dt.UTC)

    @property
    def end(self) -> dt.datetime:
        """The first moment after the period."""
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), dt.UTC)


def nearest_rank(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile (``share`` in (0, 1]) of ``values``; None for none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def _days(values: list[float]) -> dict[str, Any]:
    return {
        "count": len(values),
        "median": None if not values else round(statistics.median(values), 2),
        "p90": None if not values else round(nearest_rank(values, 0.9) or 0.0, 2),
    }


def _empty_row() -> dict[str, Any]:
    return {**dict.fromkeys(CASE_FIGURES, 0), "appeals": dict.fromkeys(APPEAL_FIGURES, 0)}


def _of_platform(row: Any, platform: str) -> bool:
    """Whether an audit entry is about ``platform``: a case change names the policy (its id is
    the platform's), a staff read or an erasure names the vault's subject ``platform/account``."""
    if row.policy_version is not None:
        return str(row.policy_version).split(" ", 1)[0] == platform
    return str(row.account_id or "").startswith(f"{platform}/")


class Reports(Service):
    """The compliance lead's report, and the statements of reasons export."""

    def __init__(self, deps: Deps, public_log: PublicLog | None = None) -> None:
        super().__init__(deps)
        self._log = public_log or PublicLog(deps)
        # what the harvesting detector says for a period, when one is wired in (None: no figure)
        self.harvesting: Callable[[str, dt.datetime, dt.datetime], Any] | None = None

    def build(self, platform: str, first: dt.date, last: dt.date) -> dict[str, Any]:
        """The report of ``platform`` for the days ``first`` .. ``last`` (both included)."""
        period = Period(first, last)
        start, end = period.start, period.end
        with self.db.reading() as conn:
            policy = active_policy(conn, platform)
            tiers, totals = self._case_figures(conn, platform, policy, start, end)
            restrictions = self._restrictions(conn, platform, start, end)
            issued = cases.count_statements(conn, platform, start, end)
            by_kind: Counter[str] = Counter()
            for body in cases.statements_between(conn, platform, start, end):
                by_kind.update({r["kind"] for r in body["restrictions"]})
            reads, erasures = self._staff(conn, platform, start, end)
            promise = self._promise(conn, platform, policy, start, end)
            lookups = self._lookups(conn, platform, period)
        size = promise.pop("log_size")
        promise["public_log"] = {
            "size": size,
            "checkpoint": self._log.checkpoint_at(platform, size) if size else None,
        }
        report: dict[str, Any] = {
            "schema": SCHEMA,
            "platform": platform,
            "policy": {"id": policy.id, "version": policy.version, "title": policy.policy.title},
            "period": {
                "from": first.isoformat(),
                "to": last.isoformat(),
                "start": start.isoformat(),
                "end": end.isoformat(),
            },
            "generated_at": self.now().isoformat(),
            "tiers": tiers,
            "totals": totals,
            "restrictions": restrictions,
            "statements": {"issued": issued, "by_kind": dict(sorted(by_kind.items()))},
            "label_lookups": lookups,
            "staff_reads": reads,
            "erasures": erasures,
            "threshold_promise": promise,
        }
        if self.harvesting is not None:
            report["harvesting_flags"] = self.harvesting(platform, start, end)
        return report

    def statements(self, platform: str, first: dt.date, last: dt.date) -> Iterator[str]:
        """The statements of reasons issued in the period, one JSON line each (no name)."""
        period = Period(first, last)
        with self.db.reading() as conn:
            active_policy(conn, platform)
            for body in cases.statements_between(conn, platform, period.start, period.end):
                yield json.dumps(body, sort_keys=True, ensure_ascii=False) + "\n"

    def fragment(self, report: dict[str, Any], lang: str) -> str:
        """The report's body as HTML (no style, no script): for a page that shows it."""
        from byline.service._report_document import render_fragment

        return render_fragment(report, lang, self._quoted(report, lang))

    def render(self, report: dict[str, Any], fmt: str, lang: str) -> bytes:
        """``report`` as ``json``, ``html`` or ``pdf`` (the same document), in ``lang``."""
        from byline.service._report_document import render

        return render(report, fmt, lang, self._quoted(report, lang))

    def _quoted(self, report: dict[str, Any], lang: str) -> words.Quoted | None:
        """The policy's own words in ``lang`` (its title, its tiers' labels), when the policy
        in force is the report's version; else None (the labels as the report holds them)."""
        try:
            with self.db.reading() as conn:
                policy = active_policy(conn, report["platform"])
        except NoActivePolicy:
            return None
        return (
            words.Quoted.of(policy, lang) if policy.version == report["policy"]["version"] else None
        )

    def write(
        self,
        platform: str,
        first: dt.date,
        last: dt.date,
        out_dir: Path,
        formats: Sequence[str] = FORMATS,
        lang: str = "en",
        *,
        with_statements: bool = False,
    ) -> list[Path]:
        """Write the report in each of ``formats`` (and the statements as JSON lines) into
        ``out_dir``; return the files written. Each file is written whole or not at all."""
        unknown = [f for f in formats if f not in FORMATS]
        if unknown or not formats:
            raise ValueError(f"--format: one or more of {', '.join(FORMATS)} (not {unknown})")
        words.check(lang)
        report = self.build(platform, first, last)
        out_dir.mkdir(parents=True, exist_ok=True)
        stem = f"{platform}-{first.isoformat()}-{last.isoformat()}"
        written = []
        for fmt in dict.fromkeys(formats):
            written.append(_write(out_dir / f"report-{stem}.{fmt}", self.render(report, fmt, lang)))
        if with_statements:
            lines = "".join(self.statements(platform, first, last)).encode()
            written.append(_write(out_dir / f"statements-{stem}.jsonl", lines))
        return written

    # --- figures ---------------------------------------------------------------------------

    def _case_figures(
        self,
        conn: Any,
        platform: str,
        policy: Policy,
        start: dt.datetime,
        end: dt.datetime,
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        rows: dict[str | None, dict[str, Any]] = {t.id: _empty_row() for t in policy.tiers}
        disclosed_at: list[tuple[str | None, str, dt.datetime]] = []
        actions = [*_CASE_ACTIONS, *_APPEAL_ACTIONS]
        for e in audit.entries_between(conn, actions, start, end):
            if not _of_platform(e, platform):
                continue
            tier = (e.after or {}).get("tier")
            row = rows.setdefault(tier, _empty_row())
            if e.action in _CASE_ACTIONS:
                row[_CASE_ACTIONS[e.action]] += 1
            else:
                row["appeals"][_APPEAL_ACTIONS[e.action]] += 1
            if e.action == AuditAction.CASE_DISCLOSED.value and e.case_id:
                disclosed_at.append((tier, str(e.case_id), e.at))
        noticed = audit.first_at(
            conn, AuditAction.CASE_NOTIFIED.value, (c for _, c, _ in disclosed_at)
        )
        days: dict[str | None, list[float]] = defaultdict(list)
        for tier, case_id, at in disclosed_at:
            if case_id in noticed:
                days[tier].append((at - noticed[case_id]).total_seconds() / 86400)
        phases = {t.id: t for t in policy.tiers}
        tiers = []
        for tier_id, row in rows.items():
            t = phases.get(tier_id) if tier_id is not None else None
            tiers.append(
                {
                    "tier": tier_id,
                    "label": t.label if t else None,
                    "threshold": dict(t.threshold) if t else None,
                    "phase_starts": t.phase_starts.isoformat() if t else None,
                    "comply_by": t.comply_by.isoformat() if t and t.comply_by else None,
                    **row,
                    "days_to_disclosure": _days(days.get(tier_id, [])),
                }
            )
        totals = _empty_row()
        for row in rows.values():
            for k in CASE_FIGURES:
                totals[k] += row[k]
            for k in APPEAL_FIGURES:
                totals["appeals"][k] += row["appeals"][k]
        totals["days_to_disclosure"] = _days([d for v in days.values() for d in v])
        return tiers, totals

    def _restrictions(
        self, conn: Any, platform: str, start: dt.datetime, end: dt.datetime
    ) -> list[dict[str, Any]]:
        """Per restriction type: how many were applied and lifted by the period's changes (each
        change against what was in force for its account before it)."""
        held: dict[str, list[Any]] = {}
        applied: Counter[str] = Counter()
        lifted: Counter[str] = Counter()
        for change in cases.changes_until(conn, platform, end):
            before = held.get(change.account_id, [])
            after = list(change.restrictions or [])
            held[change.account_id] = after
            if change.at < start:
                continue
            applied.update(str(r["restriction"]) for r in statements.applied(before, after))
            lifted.update(str(r["restriction"]) for r in statements.lifted(before, after))
        return [
            {"restriction": r, "applied": applied[r], "lifted": lifted[r]}
            for r in sorted(set(applied) | set(lifted))
        ]

    def _staff(
        self, conn: Any, platform: str, start: dt.datetime, end: dt.datetime
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        reads: dict[str, Counter[str]] = {"names": Counter(), "notes": Counter()}
        erased: Counter[str] = Counter()
        actions = [*_READS, AuditAction.NAME_ERASED.value]
        for e in audit.entries_between(conn, actions, start, end):
            if not _of_platform(e, platform):
                continue
            reason = str((e.detail or {}).get("reason") or "other")
            if e.action in _READS:
                reads[_READS[e.action]][reason] += 1
            else:
                erased[reason] += 1
        return (
            {
                kind: {"total": sum(c.values()), "by_reason": dict(sorted(c.items()))}
                for kind, c in reads.items()
            },
            {"total": sum(erased.values()), "by_reason": dict(sorted(erased.items()))},
        )

    def _promise(
        self, conn: Any, platform: str, policy: Policy, start: dt.datetime, end: dt.datetime
    ) -> dict[str, Any]:
        """Disclosures by basis from the public log, the entries that would break the floor
        (a required disclosure whose counts were below it: none, or the report says so), the
        audit chain's head and the log's size at the period's end."""
        basis: Counter[str] = Counter()
        below = 0
        for _, text in translog.entries_between(conn, platform, start, end):
            entry = json.loads(text)
            if entry.get("event") != "disclosed":
                continue
            basis[str(entry.get("basis"))] += 1
            floor = entry.get("floor") or {}
            counts = entry.get("counts") or {}
            if entry.get("basis") == "required" and not all(
                counts.get(m, 0) >= v for m, v in floor.items()
            ):
                below += 1
        seq, digest = audit.head_before(conn, end)
        return {
            "disclosures": {
                "required": basis.get("required", 0),
                "volunteered": basis.get("volunteered", 0),
            },
            "required_below_floor": below,
            "floor": dict(policy.floor.threshold),
            "audit_head": {"seq": seq, "hash": digest},
            "log_size": translog.size_before(conn, platform, end),
        }

    def _lookups(self, conn: Any, platform: str, period: Period) -> dict[str, Any]:
        """Label lookups per day from the tallies the API flushes (see ``LookupTallies``)."""
        from byline.service.lookup_tallies import tallies_between

        return tallies_between(conn, platform, period.first, period.last)
