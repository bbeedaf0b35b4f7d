"""A policy file's own text in a language: its ``[text.<lang>]`` table where it has one, else
as written in the rules."""

from __future__ import annotations

from dataclasses import dataclass

from byline.domain.policy import Policy, PolicyText, RuleText

_NONE = RuleText()


@dataclass(frozen=True)
class Quoted:
    """What the policy file says, in one language."""

    policy: Policy
    text: PolicyText

    @classmethod
    def of(cls, policy: Policy, lang: str) -> Quoted:
        return cls(policy, policy.text.get(lang, PolicyText()))

    def title(self) -> str:
        return self.text.policy.title or self.policy.policy.title

    def platform(self) -> str:
        return self.text.policy.platform or self.policy.policy.platform

    def _rule(self, rule_id: str) -> RuleText:
        return self.text.rules.get(rule_id, _NONE)

    def label(self, tier_id: str, label: str) -> str:
        """A tier's label (``label``: as the policy file writes it)."""
        return self._rule(tier_id).label or label

    def note(self, rule_id: str, note: str) -> str:
        return (self._rule(rule_id).note or note) if note else ""

    def pledge(self) -> str:
        floor = self.policy.floor
        return (self._rule(floor.id).pledge or floor.pledge) if floor.pledge else ""

    def where(self) -> str:
        display = self.policy.display
        return self._rule(display.id).where or display.where

    def platform_term(self, term: str) -> str:
        return self._rule(self.policy.scope.id).platform_terms.get(term, term)


def tier_label(policy: Policy, lang: str, tier_id: str, label: str) -> str:
    """A tier's label in ``lang`` (for pages that hold a tier's id and label)."""
    return Quoted.of(policy, lang).label(tier_id, label)
