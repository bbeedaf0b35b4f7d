"""The words Byline uses everywhere: one vocabulary for every platform and every module."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar


class Category(StrEnum):
    """What an account mainly publishes. Presets map each platform's own wording onto these."""

    CURRENT_AFFAIRS = "current_affairs"  # politics, society, news, social hot topics
    MILITARY = "military"
    FINANCE = "finance"
    LAW = "law"  # law and judiciary
    MEDICINE = "medicine"  # medicine and health
    EDUCATION = "education"
    ENTERTAINMENT = "entertainment"
    DAILY_LIFE = "daily_life"
    OTHER = "other"


class AccountKind(StrEnum):
    INDIVIDUAL = "individual"
    ORGANIZATION = "organization"


class Outcome(StrEnum):
    """Why an account is, or is not, required to disclose on a date."""

    REQUIRED = "required"
    # Meets a tier's threshold, in scope, but that tier's phase has not started on the date.
    PHASE_NOT_STARTED = "phase_not_started"
    # Meets a threshold but its category is outside the policy's scope.
    CATEGORY_OUT_OF_SCOPE = "category_out_of_scope"
    # Meets a threshold but its kind (individual/organization) is not subject to the policy.
    KIND_NOT_SUBJECT = "kind_not_subject"
    # Below every tier (and so never required): such accounts are not written to decisions.
    BELOW_THRESHOLD = "below_threshold"


class ViewerCondition(StrEnum):
    """A condition of the viewer under which a policy hides the disclosed name."""

    LOGGED_OUT = "logged_out"
    UNVERIFIED = "unverified"  # has not passed real-identity verification
    ABNORMAL = "abnormal"  # flagged for abnormal behaviour
    SANCTIONED = "sanctioned"  # recently sanctioned (e.g. for unfriendly behaviour)
    BANNED = "banned"  # currently banned
    RISKY = "risky"  # deemed risky by the platform


class Restriction(StrEnum):
    """What a platform restricts for an account that refuses or is overdue."""

    RECOMMENDATION_FEED = "recommendation_feed"
    HOT_SEARCH = "hot_search"
    AD_REVENUE_SHARE = "ad_revenue_share"
    TIPPING = "tipping"
    COMMERCIAL_INCOME = "commercial_income"
    DISTRIBUTION = "distribution"  # content distribution scaled by a factor
    SELLING = "selling"  # marketplaces: listings suspended


class Incentive(StrEnum):
    """What a platform grants an account that discloses."""

    RECOMMENDATION_BOOST = "recommendation_boost"
    TRUSTED_ACCOUNT = "trusted_account"
    MONETISATION_SUPPORT = "monetisation_support"


class Trigger(StrEnum):
    """When a penalty applies."""

    REFUSED = "refused"
    OVERDUE = "overdue"


class DisplayField(StrEnum):
    """What may be shown on a disclosed account's public label."""

    REAL_NAME = "real_name"
    ORGANIZATION_NAME = "organization_name"
    REGION = "region"  # state/province and country, never a street address
    BUSINESS_ADDRESS = "business_address"


class AuditAction(StrEnum):
    """What the audit trail records: ``subject:action``."""

    CASE_OPENED = "case:opened"
    CASE_NOTIFIED = "case:notified"
    CASE_SUBMITTED = "case:submitted"
    CASE_VERIFIED = "case:verified"
    CASE_DISCLOSED = "case:disclosed"
    CASE_REJECTED = "case:rejected"
    CASE_OVERDUE = "case:overdue"
    CASE_REFUSED = "case:refused"
    CASE_APPEALED = "case:appealed"
    CASE_APPEAL_UPHELD = "case:appeal_upheld"
    CASE_APPEAL_DENIED = "case:appeal_denied"
    CASE_RELEASED = "case:released"
    CASE_VOLUNTEERED = "case:volunteered"
    CASE_WITHDRAWN = "case:withdrawn"
    CASE_NAME_ERASED = "case:name_erased"
    CASE_OBSERVED = "case:observed"
    CASE_FLAGGED = "case:flagged"
    OBSERVATION_STALE = "observation:stale"  # counts older than the newest on file: not applied
    NAME_DECRYPTED = "name:decrypted"
    NOTE_DECRYPTED = "note:decrypted"  # a staff read of a free-text note kept in the vault
    NAME_ERASED = "name:erased"
    KEYS_ROTATED = "keys:rotated"
    AUDIT_SEALED = "audit:sealed"  # an operator sealed the head by hand
    POLICY_ACTIVATED = "policy:activated"
    API_KEY_CREATED = "api_key:created"
    API_KEY_REVOKED = "api_key:revoked"
    STAFF_USER_CREATED = "staff_user:created"
    STAFF_USER_DISABLED = "staff_user:disabled"
    STAFF_SIGNED_IN = "staff:signed_in"
    STAFF_SIGN_IN_FAILED = "staff:sign_in_failed"
    CREATOR_KEY_SET = "creator_key:set"
    WEBHOOK_REGISTERED = "webhook:registered"
    WEBHOOK_DISABLED = "webhook:disabled"
    WEBHOOK_ENABLED = "webhook:enabled"
    WEBHOOK_SECRET_ROTATED = "webhook:secret_rotated"
    CYCLE_STARTED = "cycle:started"
    CYCLE_FINISHED = "cycle:finished"
    DISPLAYS_READ = "displays:read"  # a staff read of display records (viewer, account, time)
    DISPLAYS_PURGED = "displays:purged"  # display records past the policy's retention deleted


# --- reasons ----------------------------------------------------------------------------------
# Every reason a person gives is a code from one of these closed lists: free text is where a
# name slips in. Words beside a code (a "note") are kept only in the vault, encrypted, and read
# only through an audited reveal. Each list ends with ``other`` (say more in a note).


class RejectionReason(StrEnum):
    """Why a reviewer (or an identity provider) rejects a submitted name."""

    NAME_MISMATCH = "name_mismatch"  # does not match the identity document
    DOCUMENT_UNREADABLE = "document_unreadable"
    NOT_A_REAL_NAME = "not_a_real_name"  # a nickname, a brand, a placeholder
    INCOMPLETE = "incomplete"
    NO_IDENTITY_RECORD = "no_identity_record"  # the provider has no record of the holder
    OTHER = "other"


class RefusalReason(StrEnum):
    """Why a holder declines to disclose."""

    PRIVACY = "privacy"
    SAFETY = "safety"  # fears harassment or harm
    DISAGREE = "disagree"  # disagrees with the programme
    OTHER = "other"


class AppealReason(StrEnum):
    """What a holder contests."""

    WRONG_CATEGORY = "wrong_category"  # the account mainly publishes something out of scope
    WRONG_COUNT = "wrong_count"  # the counts are wrong (bought, purged, miscounted)
    NOT_SELF_MEDIA = "not_self_media"  # not the kind of account the policy covers
    OTHER = "other"


class AppealDecisionReason(StrEnum):
    """Why a reviewer upholds or denies an appeal."""

    CATEGORY_CONFIRMED = "category_confirmed"
    CATEGORY_CORRECTED = "category_corrected"
    COUNTS_CONFIRMED = "counts_confirmed"
    COUNTS_CORRECTED = "counts_corrected"
    OTHER = "other"


class WithdrawalReason(StrEnum):
    """Why a holder withdraws a voluntary disclosure."""

    PRIVACY = "privacy"
    SAFETY = "safety"
    NO_LONGER_WANTED = "no_longer_wanted"
    OTHER = "other"


class StaffReadReason(StrEnum):
    """Why a member of staff (or an identity provider) reads a name or a note: audited."""

    REVIEW = "review"
    IDENTITY_CHECK = "identity_check"
    COMPLAINT = "complaint"
    LEGAL_REQUEST = "legal_request"
    ABUSE_REPORT = "abuse_report"  # a report of abuse: who was shown which names, when
    OTHER = "other"


class ErasureReason(StrEnum):
    """Why a holder's names are crypto-shredded."""

    ERASURE_REQUEST = "erasure_request"  # the holder asked
    LEGAL_ORDER = "legal_order"
    OTHER = "other"


# How long a note beside a reason may be (characters).
MAX_NOTE_CHARS = 500

_Code = TypeVar("_Code", bound=StrEnum)


def coded(kind: type[_Code], value: str) -> _Code:
    """``value`` as a code of ``kind``; a ``ValueError`` that lists the codes and never repeats
    what was given (free text where a code belongs may hold a name)."""
    try:
        return kind(value)
    except ValueError:
        codes = ", ".join(c.value for c in kind)
        raise ValueError(f"a {kind.__name__} is one of: {codes}") from None


# Which list an audit entry's ``reason`` code comes from.
REASON_LISTS: dict[AuditAction, type[StrEnum]] = {
    AuditAction.CASE_REJECTED: RejectionReason,
    AuditAction.CASE_REFUSED: RefusalReason,
    AuditAction.CASE_APPEALED: AppealReason,
    AuditAction.CASE_APPEAL_UPHELD: AppealDecisionReason,
    AuditAction.CASE_APPEAL_DENIED: AppealDecisionReason,
    AuditAction.CASE_WITHDRAWN: WithdrawalReason,
    AuditAction.CASE_NAME_ERASED: ErasureReason,
    AuditAction.NAME_ERASED: ErasureReason,
    AuditAction.NAME_DECRYPTED: StaffReadReason,
    AuditAction.NOTE_DECRYPTED: StaffReadReason,
    AuditAction.DISPLAYS_READ: StaffReadReason,
}


class CaseFlag(StrEnum):
    """Why an open case is marked for a reviewer's attention."""

    STEEP_DROP = "steep_drop"  # the counts fell steeply within the policy's window
