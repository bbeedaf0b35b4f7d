"""A cycle from decisions made elsewhere (``byline cycle --decisions DIR``): an evaluation's
outputs, made by either engine on any machine, checked to be of the cycle's policy version and
date before the cycle acts on them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from byline.domain.errors import CodedError
from byline.domain.policy import Policy
from byline.engine import DECISIONS, SUMMARY, EvaluationSummary


class DecisionsRefused(CodedError, ValueError):
    """Decisions a cycle may not act on: not an evaluation's outputs, or made under another
    policy version or as of another date than the cycle's."""


def decisions_for(decisions: Path, policy: Policy, as_of: dt.date) -> EvaluationSummary:
    """The summary of the evaluation in ``decisions`` (a folder of its outputs), when it was
    made under ``policy`` (id and version) as of ``as_of``; ``DecisionsRefused`` otherwise."""
    summary_file = decisions / SUMMARY
    if not (decisions / DECISIONS).exists() or not summary_file.is_file():
        raise DecisionsRefused(
            f"{decisions}: no {DECISIONS} and {SUMMARY} here; give the folder an evaluation "
            "wrote (byline evaluate --out, either engine)",
            code="decisions_missing",
        )
    try:
        summary = EvaluationSummary.from_dict(json.loads(summary_file.read_text()))
    except (ValueError, KeyError, TypeError) as exc:
        raise DecisionsRefused(
            f"{summary_file}: not an evaluation's summary ({type(exc).__name__}: {exc})",
            code="decisions_missing",
        ) from None
    made, wanted = (
        f"{summary.policy_id} {summary.policy_version}",
        f"{policy.id} {policy.version}",
    )
    if made != wanted:
        raise DecisionsRefused(
            f"{decisions}: decided under policy {made}, but this cycle runs {wanted}; "
            "evaluate the snapshot under the cycle's policy",
            code="decisions_other_policy",
            made=made,
            wanted=wanted,
        )
    if summary.as_of != as_of:
        raise DecisionsRefused(
            f"{decisions}: decided as of {summary.as_of}, but this cycle is as of {as_of}; "
            "evaluate the snapshot as of the cycle's date",
            code="decisions_other_date",
            made=summary.as_of.isoformat(),
            wanted=as_of.isoformat(),
        )
    return summary
