"""Request and response bodies of the API (the OpenAPI contract)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from byline.domain.vocabulary import AccountKind, Category, ViewerCondition

AccountId = Field(min_length=1, max_length=200, examples=["weibo-000000344462"])


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ViewerIn(_Body):
    id: str = Field(min_length=1, max_length=200, examples=["viewer-42"])
    logged_in: bool
    identity_verified: bool
    flags: list[ViewerCondition] = Field(
        default_factory=list, max_length=6, examples=[["sanctioned"]]
    )


class LabelsIn(_Body):
    viewer: ViewerIn
    account_ids: list[str] = Field(
        min_length=1, max_length=100, examples=[["weibo-000000344462", "weibo-000000426542"]]
    )


class Label(BaseModel):
    name: str = Field(examples=["王高飞"])
    kind: AccountKind
    since: str = Field(examples=["2023-10-21T08:00:00+00:00"])


class LabelsOut(BaseModel):
    labels: dict[str, Label | None]


class SubmissionIn(_Body):
    name: str = Field(min_length=1, max_length=200, examples=["王高飞"])
    consent: bool = Field(description="The holder consents to the name being displayed")


class ReasonIn(_Body):
    reason: str = Field(default="", max_length=500, examples=["my account is mainly daily life"])


class RequiredReasonIn(_Body):
    reason: str = Field(min_length=1, max_length=500, examples=["name does not match the ID"])


class VolunteerIn(_Body):
    name: str = Field(min_length=1, max_length=200, examples=["王高飞"])
    kind: AccountKind = AccountKind.INDIVIDUAL
    consent: bool = True


class AppealDecisionIn(_Body):
    upheld: bool
    reason: str = Field(min_length=1, max_length=500, examples=["posts are about cooking"])


class BulkIn(_Body):
    action: Literal["approve", "reject"]
    account_ids: list[str] = Field(min_length=1, max_length=100)
    reason: str = Field(default="", max_length=500)


class RevealIn(_Body):
    reason: str = Field(min_length=1, max_length=500, examples=["checking against the ID scan"])


class CountIn(_Body):
    account_id: str = AccountId
    kind: AccountKind
    category: Category
    followers: int | None = Field(default=None, ge=0, le=10**12)
    metrics: dict[str, int] = Field(
        default_factory=dict, description="Other metrics a policy uses (e.g. sales_12m)"
    )


class CountsIn(_Body):
    as_of: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2023-12-22"])
    counts: list[CountIn] = Field(min_length=1, max_length=1000)


class WebhookIn(_Body):
    url: str = Field(
        pattern=r"^https?://", max_length=500, examples=["https://platform.example/hooks/byline"]
    )
    topics: list[Literal["notice", "enforcement", "label", "audit"]] = Field(
        default=["notice", "enforcement", "label", "audit"], min_length=1
    )
    secret: str | None = Field(default=None, min_length=16, max_length=200)


class CycleIn(_Body):
    snapshot: str = Field(
        min_length=1, max_length=1000, description="Path of a snapshot file on the server"
    )
    as_of: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2023-12-22"])


class PolicyIn(_Body):
    source: str = Field(min_length=1, max_length=200_000, description="The policy file (TOML)")


class ShadowIn(PolicyIn):
    snapshot: str = Field(
        min_length=1, max_length=255, description="A snapshot file in the server's snapshot folder"
    )
    as_of: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")


class ApiKeyIn(_Body):
    role: Literal["label", "platform", "reviewer", "admin"]
    label: str = Field(default="", max_length=120)


class CaseOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    case_id: str
    account_id: str
    state: str
    tier: str | None
    deadline: str | None
    restrictions: list[dict[str, Any]]


class Obligation(BaseModel):
    account_id: str
    required: bool
    state: str | None
    tier: str | None
    deadline: str | None
    reasons: list[str] = Field(description="Why, in words")
    penalties_if_refused: list[str]
    restrictions: list[dict[str, Any]]
    voluntary_allowed: bool
