"""A policy in plain words, for compliance leads, reviewers and creators, in any language of
the catalogue.

The functions here decide what is said, in which order and under which rule id; the catalogue's
``[explain]`` templates and vocabulary sections say it. The policy file's own text (title,
platform, tier labels, notes, the pledge, platform terms, where the name is shown) comes from its
``[text.<lang>]`` table when it has one, else is quoted as written; rule ids are shown in
brackets in every language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from byline.domain.policy import Penalty, Policy, Threshold
from byline.domain.vocabulary import Category
from byline.words import _formats
from byline.words._catalogue import check, say, term, word
from byline.words._policy_text import Quoted


@dataclass(frozen=True)
class Section:
    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class _Writer:
    """One policy, one language: the helpers every section shares."""

    policy: Policy
    lang: str
    quoted: Quoted

    def say(self, key: str, **values: object) -> str:
        return say(self.lang, "explain", key, **values)

    def join(self, words: Iterable[str]) -> str:
        return self.say("list_sep").join(words)

    def noted(self, text: str) -> str:
        return self.say("note", note=text) if text else ""

    def date(self, day: dt.date) -> str:
        return _formats.date(self.lang, day)

    @property
    def noun(self) -> str:
        return word(self.lang, "subject_noun", self.policy.policy.subject_noun)

    def section(self, title: str, lines: Iterable[str]) -> Section:
        return Section(self.say(f"title_{title}"), tuple(lines))


def describe_threshold(threshold: Threshold, lang: str = "en") -> str:
    return _formats.threshold(check(lang), threshold)


def describe_penalty(penalty: Penalty, lang: str = "en", note: str | None = None) -> str:
    """A penalty as the policy states it; ``note``: the penalty's note in ``lang`` (default:
    as written in the file)."""
    check(lang)

    def s(key: str, **values: object) -> str:
        return say(lang, "explain", key, **values)

    size = s("withdrawn") if penalty.factor == 0 else s("reduced", percent=f"{penalty.factor:.0%}")
    line = s(
        "penalty",
        what=term(lang, penalty.restriction),
        size=size,
        when=s("trigger_sep").join(term(lang, t) for t in penalty.on),
        lift=s("lifted") if penalty.lifted_on_compliance else s("not_lifted"),
        rule=penalty.id,
    )
    note = penalty.note if note is None else note
    return line + (s("penalty_note", note=note) if note else "")


def _heading(w: _Writer) -> Section:
    header = w.policy.policy
    line = w.say(
        "heading", title=w.quoted.title(), platform=w.quoted.platform(), version=header.version
    )
    if header.announced:
        line += w.say("announced", date=w.date(header.announced))
    return w.section("policy", (line, w.say("order", noun=w.noun)))


def _tiers(w: _Writer) -> Section:
    lines = []
    for tier in w.policy.tiers:
        when = w.say("tier_from", date=w.date(tier.phase_starts))
        if tier.comply_by:
            when += w.say("tier_comply_by", date=w.date(tier.comply_by))
        lines.append(
            w.say(
                "tier",
                label=w.quoted.label(tier.id, tier.label),
                threshold=describe_threshold(tier.threshold, w.lang),
                when=when,
                days=tier.deadline_days or w.policy.notice.deadline_days,
                shown=w.say("shown" if tier.disclose else "not_shown"),
                rule=tier.id,
            )
        )
    return w.section("tiers", lines)


def _covered(w: _Writer) -> Section:
    policy, scope = w.policy, w.policy.scope
    if scope.categories is not None:
        in_scope = w.join(term(w.lang, c) for c in scope.categories)
    elif scope.exclude:
        in_scope = w.say("every_except", excluded=w.join(term(w.lang, c) for c in scope.exclude))
    else:
        in_scope = w.say("every_category")
    terms = (
        w.say("platform_term", term=w.quoted.platform_term(t), category=term(w.lang, category))
        for t, category in scope.platform_terms.items()
    )
    return w.section(
        "covered",
        (
            w.say(
                "kinds_line",
                kinds=w.join(term(w.lang, k) for k in policy.subjects.kinds),
                rule=policy.subjects.id,
            ),
            w.say("scope_line", categories=in_scope, rule=scope.id)
            + w.noted(w.quoted.note(scope.id, scope.note)),
            *terms,
        ),
    )


def _floor(w: _Writer) -> Section:
    floor = w.policy.floor
    line = w.say(
        "floor",
        noun=w.noun,
        threshold=describe_threshold(floor.threshold, w.lang),
        rule=floor.id,
    )
    return w.section("floor", (line + w.noted(w.quoted.pledge()),))


def _notice(w: _Writer) -> Section:
    notice = w.policy.notice
    lines = [
        w.say(
            "notice",
            channel=word(w.lang, "channel", notice.channel),
            batch=f"{notice.batch_size:,}",
            noun=w.noun,
            days=notice.deadline_days,
            rule=notice.id,
        )
    ]
    if notice.recertify_every_days:
        lines.append(w.say("recertify", days=notice.recertify_every_days))
    return w.section("notice", lines)


def _shown(w: _Writer) -> Section:
    display = w.policy.display
    return w.section(
        "shown",
        (
            w.say("individuals", fields=w.join(term(w.lang, f) for f in display.individual)),
            w.say("organisations", fields=w.join(term(w.lang, f) for f in display.organization)),
            w.say(
                "where",
                where=w.quoted.where(),
                consent=w.say("consent" if display.requires_consent else "no_consent"),
                rule=display.id,
            ),
        ),
    )


def _viewers(w: _Writer) -> Section:
    viewers = w.policy.viewers
    hidden = [term(w.lang, v) for v in viewers.hidden_from]
    note = w.quoted.note(viewers.id, viewers.note)
    return w.section(
        "viewers",
        (
            w.say("hidden", viewers=w.say("hidden_sep").join(hidden))
            if hidden
            else w.say("visible"),
            f"[{viewers.id}]" + (f" {note}" if note else ""),
        ),
    )


def _penalties(w: _Writer) -> Section:
    lines = tuple(
        describe_penalty(p, w.lang, w.quoted.note(p.id, p.note)) for p in w.policy.penalties
    )
    return w.section("penalties", lines or (w.say("no_penalty"),))


def _incentives(w: _Writer) -> Section:
    lines = tuple(
        w.say("incentive", incentive=term(w.lang, i.incentive), rule=i.id)
        + w.noted(w.quoted.note(i.id, i.note))
        for i in w.policy.incentives
    )
    return w.section("incentives", lines or (w.say("no_incentive"),))


def _drop(w: _Writer) -> Section:
    drop = w.policy.drop
    return w.section(
        "drop",
        (
            w.say("released", days=drop.release_after_days_below, rule=drop.id),
            w.say("hold", days=drop.hold_after_notice_days)
            if drop.hold_after_notice_days
            else w.say("no_hold"),
            w.say(
                "steep",
                percent=f"{drop.steep_drop_fraction:.0%}",
                days=drop.steep_drop_window_days,
            ),
        ),
    )


def _voluntary(w: _Writer) -> Section:
    voluntary = w.policy.voluntary
    said = w.say("voluntary", noun=w.noun) if voluntary.allowed else w.say("no_voluntary")
    return w.section("voluntary", (f"{said} [{voluntary.id}]",))


_SECTIONS: tuple[Callable[[_Writer], Section], ...] = (
    _heading,
    _tiers,
    _covered,
    _floor,
    _notice,
    _shown,
    _viewers,
    _penalties,
    _incentives,
    _drop,
    _voluntary,
)


def explain(policy: Policy, lang: str = "en") -> tuple[Section, ...]:
    """The whole policy as titled sections of plain sentences, each naming its rule id."""
    writer = _Writer(policy, check(lang), Quoted.of(policy, lang))
    return tuple(section(writer) for section in _SECTIONS)


def one_line(policy: Policy, lang: str = "en") -> str:
    """A valid policy in one line: id, version, tiers with their phases, scope, floor."""
    w = _Writer(policy, check(lang), Quoted.of(policy, lang))
    tiers = w.say("one_line_sep").join(
        w.say("one_line_tier", label=w.quoted.label(t.id, t.label), date=w.date(t.phase_starts))
        for t in policy.tiers
    )
    return w.say(
        "one_line",
        id=policy.id,
        version=policy.version,
        platform=w.quoted.platform(),
        count=_formats.tier_count(w.lang, len(policy.tiers)),
        tiers=tiers,
        in_scope=len(policy.scope.in_scope()),
        total=len(Category),
        floor=describe_threshold(policy.floor.threshold, w.lang),
        rules=len(policy.rule_ids()),
    )
