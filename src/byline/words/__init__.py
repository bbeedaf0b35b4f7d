"""Byline's words: one catalogue per language, keyed by the vocabulary, for the policy
explanation, the CLI, the API and the console.

Sits just above ``domain`` and imports nothing else; every front door may use it.
"""

from byline.words._case import (
    Line,
    amounts,
    case_reasons,
    penalties_on,
    penalty_line,
    restriction_lines,
)
from byline.words._catalogue import (
    DEFAULT,
    LANGUAGES,
    OPEN,
    SENTENCES,
    TERMS,
    catalogue,
    check,
    say,
    section_of,
    term,
    word,
)
from byline.words._chart import Series, chart_png, chart_svg, compact
from byline.words._explain import Section, describe_penalty, describe_threshold, explain, one_line
from byline.words._formats import at_least, date
from byline.words._policy_text import Quoted, tier_label
from byline.words._reasons import reason_in_words

__all__ = [
    "DEFAULT",
    "LANGUAGES",
    "OPEN",
    "SENTENCES",
    "TERMS",
    "Line",
    "Quoted",
    "Section",
    "Series",
    "amounts",
    "at_least",
    "case_reasons",
    "catalogue",
    "chart_png",
    "chart_svg",
    "check",
    "compact",
    "date",
    "describe_penalty",
    "describe_threshold",
    "explain",
    "one_line",
    "penalties_on",
    "penalty_line",
    "reason_in_words",
    "restriction_lines",
    "say",
    "section_of",
    "term",
    "tier_label",
    "word",
]
