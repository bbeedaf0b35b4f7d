"""Request and response bodies of the API (the OpenAPI contract)."""

from __future__ import annotations

import copy
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict, JsonValue

from byline.api._example_policy import EXAMPLE_POLICY
from byline.domain.vocabulary import (
    AccountKind,
    AppealDecisionReason,
    AppealReason,
    Category,
    RefusalReason,
    RejectionReason,
    StaffReadReason,
    ViewerCondition,
    WithdrawalReason,
)
from byline.service import MAX_DISPLAY_READ, limits

# An account id, wherever a request names one (bodies and paths): 1 to 200 characters, no
# control characters (NUL, line breaks, C1). A bad one is refused naming the field, without
# repeating the input.
ACCOUNT_ID_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]+$"
AccountId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        pattern=ACCOUNT_ID_PATTERN,
        examples=["weibo-000000344462"],
    ),
]
MAX_METRIC = 10**12  # follower counts and other metrics, as a platform could report them
Metric = Annotated[int, Field(ge=0, le=MAX_METRIC)]


_VIEWER: JsonDict = {"id": "v-81231", "logged_in": True, "identity_verified": True, "flags": []}
_LABEL: JsonDict = {"name": "王高飞", "kind": "individual", "since": "2023-10-21T08:00:00+00:00"}
_RESTRICTION: JsonDict = {
    "restriction": "recommendation_feed",
    "factor": 0.0,
    "penalty_id": "weibo.penalty.feed",
    "trigger": "overdue",
}


def _examples(*examples: JsonDict) -> ConfigDict:
    """A model's example bodies, shown in its OpenAPI schema (each validates against it)."""
    values: list[JsonValue] = [copy.deepcopy(example) for example in examples]
    return ConfigDict(json_schema_extra={"examples": values})


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ViewerIn(_Body):
    model_config = _examples(
        _VIEWER,
        {"id": "v-20417", "logged_in": True, "identity_verified": False, "flags": ["unverified"]},
    )
    id: str = Field(min_length=1, max_length=200, examples=["viewer-42"])
    logged_in: bool
    identity_verified: bool
    flags: list[ViewerCondition] = Field(
        default_factory=list, max_length=6, examples=[["sanctioned"]]
    )


class LabelsIn(_Body):
    model_config = _examples(
        {"viewer": _VIEWER, "account_ids": ["weibo-000000344462", "weibo-000000000017"]}
    )
    viewer: ViewerIn
    account_ids: list[AccountId] = Field(
        min_length=1, max_length=100, examples=[["weibo-000000344462", "weibo-000000426542"]]
    )


class Label(BaseModel):
    model_config = _examples(_LABEL)
    name: str = Field(examples=["王高飞"])
    kind: AccountKind = Field(examples=["individual"])
    since: str = Field(examples=["2023-10-21T08:00:00+00:00"])


class LabelsOut(BaseModel):
    # No null in the example: FastAPI drops None values from examples in the OpenAPI document
    # (fastapi/fastapi#5559), so the description says it instead.
    model_config = _examples(
        {
            "labels": {
                "weibo-000000344462": _LABEL,
                "weibo-000000000017": {
                    "name": "晨光新闻传媒有限公司",
                    "kind": "organization",
                    "since": "2023-10-27T02:15:00+00:00",
                },
            }
        }
    )
    labels: dict[str, Label | None] = Field(
        description="Each account asked for: its label, or null when it has none this viewer"
        " may see (not disclosed, hidden from this viewer, or unknown: the same answer)"
    )


class SubmissionIn(_Body):
    model_config = _examples({"name": "王高飞", "consent": True})
    name: str = Field(min_length=1, max_length=limits.NAME_MAX, examples=["王高飞"])
    consent: bool = Field(description="The holder consents to the name being displayed")


# Reasons are codes from closed lists (OpenAPI lists the values); words beside a code go in
# ``note``, which is kept only in the vault, encrypted, and read only through an audited reveal.
Note = Field(
    default=None,
    max_length=limits.NOTE_MAX,
    description="Optional words beside the code. Kept only in the vault, encrypted; never in"
    " the audit log, a notice or a case view; staff read it through the audited note-reveal",
    examples=["posts since March are recipes"],
)


class RefusalIn(_Body):
    model_config = _examples({"reason": "privacy"}, {})
    reason: RefusalReason | None = Field(default=None, description="Why, as a code (optional)")
    note: str | None = Note


class AppealIn(_Body):
    model_config = _examples(
        {"reason": "wrong_category", "note": "my account is mainly daily life"}, {}
    )
    reason: AppealReason = Field(default=AppealReason.OTHER, description="What is contested")
    note: str | None = Note


class WithdrawalIn(_Body):
    model_config = _examples({"reason": "no_longer_wanted"}, {})
    reason: WithdrawalReason | None = Field(default=None, description="Why, as a code (optional)")
    note: str | None = Note


class RejectionIn(_Body):
    model_config = _examples({"reason": "name_mismatch"}, {"reason": "other", "note": "blurred"})
    reason: RejectionReason = Field(description="Why the name is rejected, as a code")
    note: str | None = Note


class VolunteerIn(_Body):
    model_config = _examples({"name": "王高飞", "kind": "individual", "consent": True})
    name: str = Field(min_length=1, max_length=limits.NAME_MAX, examples=["王高飞"])
    kind: AccountKind = Field(default=AccountKind.INDIVIDUAL, examples=["individual"])
    consent: bool = True


class AppealDecisionIn(_Body):
    model_config = _examples(
        {"upheld": True, "reason": "category_corrected", "note": "posts are about cooking"},
        {"upheld": False, "reason": "category_confirmed"},
    )
    upheld: bool
    reason: AppealDecisionReason = Field(description="Why, as a code")
    note: str | None = Note


class BulkIn(_Body):
    model_config = _examples(
        {"action": "approve", "account_ids": ["weibo-000000344462", "weibo-000000000017"]},
        {
            "action": "reject",
            "account_ids": ["weibo-000000518230"],
            "reason": "name_mismatch",
        },
    )
    action: Literal["approve", "reject"]
    # the service checks the count (at most BULK_MAX), with the same code from every door
    account_ids: list[AccountId] = Field(
        min_length=1, description=f"At most {limits.BULK_MAX} accounts"
    )
    reason: RejectionReason | None = Field(
        default=None, description="For a rejection (required there): why, as a code"
    )
    note: str | None = Note


class RevealIn(_Body):
    model_config = _examples({"reason": "review"}, {"reason": "complaint", "note": "ticket 8812"})
    reason: StaffReadReason = Field(description="Why the name is read (audited), as a code")
    note: str | None = Note


class NoteRevealIn(_Body):
    model_config = _examples(
        {"note_id": "0b7c6c38-7a8e-4a5e-9d55-1f0c2f6f6a10", "reason": "review"}
    )
    note_id: str = Field(
        min_length=1, max_length=36, description="The note's id, from the case's history"
    )
    reason: StaffReadReason = Field(description="Why the note is read (audited), as a code")


# A viewer, key or account id to read display records by: as an account id (no control
# characters), so a filter is never an odd line in the audit trail.
RecordFilter = Annotated[str, Field(min_length=1, max_length=200, pattern=ACCOUNT_ID_PATTERN)]


class DisplaysReadIn(_Body):
    """A staff read of display records: at least one of viewer_id, account_id and key_id (the
    records match every one given)."""

    model_config = _examples(
        {"reason": "abuse_report", "viewer_id": "v-81231"},
        {"reason": "complaint", "account_id": "weibo-000000344462", "limit": 100},
    )
    reason: StaffReadReason = Field(description="Why the records are read (audited), as a code")
    viewer_id: RecordFilter | None = Field(None, description="A viewer id, as the label saw it")
    account_id: RecordFilter | None = Field(None, description="An account whose name was shown")
    key_id: RecordFilter | None = Field(None, description="The API key that asked for labels")
    limit: int = Field(
        MAX_DISPLAY_READ, ge=1, le=MAX_DISPLAY_READ, description="At most this many, newest first"
    )


class CountIn(_Body):
    model_config = _examples(
        {
            "account_id": "weibo-000000344462",
            "kind": "individual",
            "category": "finance",
            "followers": 3120000,
        },
        {
            "account_id": "seller-000000081275",
            "kind": "organization",
            "category": "other",
            "metrics": {"sales_12m": 540, "revenue_12m_usd": 27500},
        },
        {
            "account_id": "weibo-000000512001",
            "kind": "individual",
            "category": "finance",
            "followers": 420000,
            "metrics": {"owner_followers": 1150000},
        },
    )
    account_id: AccountId
    kind: AccountKind = Field(examples=["individual"])
    category: Category = Field(examples=["finance"])
    followers: Metric | None = None
    metrics: dict[str, Metric] = Field(
        default_factory=dict,
        description=(
            "Other metrics a policy uses (e.g. sales_12m). A linked account's count carries its"
            " owner's value too (owner_followers: the owner's distinct followers), decided as a"
            " snapshot row with an owner_ref is: under [linked_accounts] judge = 'owner', on the"
            " owner's value where higher"
        ),
    )


class CountsIn(_Body):
    model_config = _examples(
        {
            "as_of": "2023-12-22",
            "counts": [
                {
                    "account_id": "weibo-000000344462",
                    "kind": "individual",
                    "category": "finance",
                    "followers": 3120000,
                },
                {
                    "account_id": "weibo-000000000017",
                    "kind": "organization",
                    "category": "current_affairs",
                    "followers": 1640000,
                },
            ],
        }
    )
    as_of: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2023-12-22"])
    counts: list[CountIn] = Field(min_length=1, max_length=limits.COUNTS_MAX)


class WebhookIn(_Body):
    model_config = _examples(
        {"url": "https://platform.example/hooks/byline", "topics": ["notice", "enforcement"]}
    )
    url: str = Field(
        pattern=r"^https?://",
        max_length=limits.WEBHOOK_URL_MAX,
        examples=["https://platform.example/hooks/byline"],
    )
    topics: list[Literal["notice", "enforcement", "label", "audit"]] = Field(
        default=["notice", "enforcement", "label", "audit"], min_length=1
    )
    secret: str | None = Field(
        default=None,
        description=f"{limits.WEBHOOK_SECRET_MIN} to {limits.WEBHOOK_SECRET_MAX} characters"
        " (default: one is generated and shown once)",
    )


class CycleIn(_Body):
    model_config = _examples({"snapshot": "weibo-2023-12-22.parquet", "as_of": "2023-12-22"})
    snapshot: str = Field(
        min_length=1, max_length=1000, description="Path of a snapshot file on the server"
    )
    as_of: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2023-12-22"])


class PolicyIn(_Body):
    model_config = _examples({"source": EXAMPLE_POLICY})
    source: str = Field(
        min_length=1,
        description=f"The policy file (TOML), at most {limits.POLICY_MAX_BYTES // 1024} KiB"
        " (checked by the service)",
    )


class ShadowIn(PolicyIn):
    model_config = _examples(
        {"source": EXAMPLE_POLICY, "snapshot": "weibo-2023-12-22.parquet", "as_of": "2023-12-22"}
    )
    snapshot: str = Field(
        min_length=1, max_length=255, description="A snapshot file in the server's snapshot folder"
    )
    as_of: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")


class ApiKeyIn(_Body):
    model_config = _examples({"role": "label", "label": "profile pages (production)"})
    role: Literal["label", "platform", "reviewer", "admin"]
    label: str = Field(
        default="",
        description=f"At most {limits.KEY_LABEL_MAX} characters (checked by the service)",
    )
    name_budget_per_hour: int | None = Field(
        default=None,
        ge=1,
        le=100_000_000,
        description="Distinct disclosed names this key may be shown per hour, whatever viewers"
        " it claims (default: the server's BYLINE_KEY_NAME_BUDGET_PER_HOUR)",
    )


class CaseOut(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "case_id": "1f12d162-dfea-4236-b7b8-b6ce6147d6e8",
                    "account_id": "weibo-000000426542",
                    "policy": "weibo 2023.12",
                    "state": "overdue",
                    "tier": "weibo.tier.1m",
                    "voluntary": False,
                    "kind": "individual",
                    "opened_at": "2023-10-16T00:00:00+00:00",
                    "notified_at": "2023-10-16T00:00:00+00:00",
                    "deadline": "2023-11-01T00:00:00+00:00",
                    "metrics": {"followers": 1200000},
                    "name_on_file": False,
                    "flags": [],
                    "restrictions": [dict(_RESTRICTION)],
                }
            ]
        },
    )
    case_id: str
    account_id: str
    state: str
    tier: str | None
    deadline: str | None
    restrictions: list[dict[str, Any]]


_TIER_REASON: JsonDict = {
    "code": "tier",
    "rule": "weibo.tier.1m",
    "text": "1,000,000+ followers: the policy requires accounts with 1,000,000 or more followers"
    " to disclose, from 2023-10-16.",
}
_FEED_COST: JsonDict = {
    "code": "recommendation_feed",
    "rule": "weibo.penalty.feed",
    "text": "exposure in the recommendation feed: withdrawn when refused or overdue;"
    " lifted on compliance [weibo.penalty.feed]",
}


class Worded(BaseModel):
    model_config = _examples(_TIER_REASON, _FEED_COST)
    code: str = Field(description="What the line says, as a code (a reason, a restriction)")
    rule: str = Field(description="The policy rule it comes from ('' for none)")
    text: str = Field(description="The line in the answer's language")


class Obligation(BaseModel):
    model_config = _examples(
        {
            "account_id": "weibo-000000344462",
            "required": True,
            "state": "notified",
            "tier": "weibo.tier.1m",
            "deadline": "2023-11-01T00:00:00+00:00",
            "lang": "en",
            "reasons": [_TIER_REASON["text"]],
            "why": [dict(_TIER_REASON)],
            "penalties_if_refused": [_FEED_COST["text"]],
            "costs_if_refused": [dict(_FEED_COST)],
            "restrictions": [],
            "voluntary_allowed": True,
        },
        {
            "account_id": "weibo-000000426542",
            "required": True,
            "state": "overdue",
            "tier": "weibo.tier.1m",
            "deadline": "2023-11-01T00:00:00+00:00",
            "lang": "en",
            "reasons": [_TIER_REASON["text"]],
            "why": [dict(_TIER_REASON)],
            "penalties_if_refused": [_FEED_COST["text"]],
            "costs_if_refused": [dict(_FEED_COST)],
            "restrictions": [_RESTRICTION],
            "voluntary_allowed": True,
        },
    )
    account_id: str
    required: bool
    state: str | None
    tier: str | None
    deadline: str | None
    lang: str = Field("en", description="The language of every text: en or zh-CN")
    reasons: list[str] = Field(description="Why, in words (the texts of ``why``)")
    why: list[Worded] = Field(default_factory=list, description="Why: code, rule and words")
    penalties_if_refused: list[str] = Field(description="The texts of ``costs_if_refused``")
    costs_if_refused: list[Worded] = Field(
        default_factory=list, description="What refusing costs: restriction, rule and words"
    )
    restrictions: list[dict[str, Any]]
    voluntary_allowed: bool
