"""Which policy is in force: activations are recorded (and audited) with the policy's source."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

from byline import audit, cases
from byline.domain.policy import Policy
from byline.domain.vocabulary import AuditAction
from byline.policy import parse_policy, read_policy_source
from byline.service._changes import labels_changed
from byline.store import Connection


class NoActivePolicy(LookupError):
    """No policy of that id has been activated in this database."""


def digest(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()


@dataclass(frozen=True)
class PolicyText:
    """A policy handed over as text (through the API), with a name for messages."""

    source: str
    origin: str


def activate(
    conn: Connection,
    name_or_path: str | Path | PolicyText,
    *,
    actor: str,
    now: dt.datetime,
    request_id: str | None = None,
) -> tuple[Policy, bool]:
    """Make a policy the one in force for its id; return it and whether this changed anything.

    Activating the policy already in force (same text) is a no-op: cycles can pass their policy
    every time without filling the audit trail.
    """
    if isinstance(name_or_path, PolicyText):
        source, origin = name_or_path.source, name_or_path.origin
    else:
        source, origin = read_policy_source(name_or_path)
    policy = parse_policy(source, origin)
    current = cases.active_digest(conn, policy.id)
    if current == digest(source):
        return policy, False
    _check_open_cases_fit(conn, policy)
    cases.add_activation(
        conn,
        policy.id,
        version=policy.version,
        digest=digest(source),
        source=source,
        actor=actor,
        at=now,
    )
    audit.append(
        conn,
        audit.AuditEntry(
            at=now,
            actor=actor,
            action=AuditAction.POLICY_ACTIVATED,
            request_id=request_id,
            policy_version=f"{policy.id} {policy.version}",
            detail={"origin": origin, "digest": digest(source), "replaces": current},
        ),
    )
    labels_changed(conn, policy.id)  # the viewer rules may have changed (after the audit append)
    return policy, True


def _check_open_cases_fit(conn: Connection, policy: Policy) -> None:
    """A new version must still know the tiers its open cases are in."""
    tiers = {t.id for t in policy.tiers}
    used = cases.open_tiers(conn, policy.id)
    unknown = sorted(used - tiers)
    if unknown:
        raise ValueError(
            f"policy {policy.id} {policy.version} drops tiers that open cases are in: "
            f"{', '.join(unknown)}; keep those tier ids (change their thresholds or dates instead)"
        )


def active_policy(conn: Connection, policy_id: str) -> Policy:
    """The policy in force. Hot (every label lookup reads it): the newest activation's digest
    is read each time, its text only the first time this process sees that digest."""
    found = cases.active_digest(conn, policy_id)
    if found is None:
        raise NoActivePolicy(f"no policy {policy_id!r} is active here; run a cycle with it first")
    cached = _by_digest.get(found)
    if cached is None:
        text = active_source(conn, policy_id)
        cached = _parsed(text.source, text.origin)
        if digest(text.source) == found:  # not replaced in between
            if len(_by_digest) > 256:
                _by_digest.clear()
            _by_digest[found] = cached
    return cached


# The digest of a policy's text -> the parsed policy: content-addressed, so it never goes stale.
_by_digest: dict[str, Policy] = {}


@functools.lru_cache(maxsize=64)
def _parsed(source: str, origin: str) -> Policy:
    """Policies are immutable: parse each activated text once per process."""
    return parse_policy(source, origin)


def active_source(conn: Connection, policy_id: str) -> PolicyText:
    """The text of the policy in force for ``policy_id`` (the newest activation)."""
    found = cases.active_text(conn, policy_id)
    if found is None:
        raise NoActivePolicy(f"no policy {policy_id!r} is active here; run a cycle with it first")
    source, version = found
    return PolicyText(source, f"active:{policy_id}@{version}")


def active_policy_ids(conn: Connection) -> list[str]:
    return cases.activated_platforms(conn)
