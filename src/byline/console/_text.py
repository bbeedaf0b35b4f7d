"""Names in any script, rendered inertly.

Markup is escaped by the templates (autoescape). This neutralises what escaping does not: bidi
controls that reorder the text around a name, and invisible characters that make two names look
alike. Each is replaced by a visible marker, so a reviewer sees that it was there; the result is
wrapped in ``<bdi>`` by the templates so a right-to-left name cannot reorder the page.
"""

from __future__ import annotations

import unicodedata

from markupsafe import Markup, escape

# Characters a name may legitimately contain only next to another script's characters (never
# inside or beside plain ASCII, where they only make two names look alike): zero-width
# (non-)joiners (Persian, Indic scripts, emoji sequences), variation selectors (emoji style,
# CJK ideographic variants), tag characters (subdivision flags) and the combining grapheme
# joiner.
_CONTEXTUAL = {
    0x200C,
    0x200D,
    0x034F,
    *range(0xFE00, 0xFE10),
    *range(0xE0100, 0xE01F0),
    *range(0xE0020, 0xE0080),
}
# Blank letters: they render as nothing (Hangul fillers, Khmer inherent vowels) yet are
# "letters" to Unicode.
_BLANK_LETTERS = {0x115F, 0x1160, 0x3164, 0xFFA0, 0x17B4, 0x17B5}


def neutralise(text: str) -> str:
    """``text`` with every character that is invisible or reorders text shown as ``[U+XXXX]``:
    all format characters (Unicode category Cf: bidi controls and marks, zero-width spaces,
    invisible operators, soft hyphen...), control characters, blank letters; and the
    contextual characters above wherever no other script needs them."""
    out = []
    last = len(text) - 1
    for i, ch in enumerate(text):
        code = ord(ch)
        if code in _CONTEXTUAL:
            keep = i > 0 and ord(text[i - 1]) > 0x7F and (i == last or ord(text[i + 1]) > 0x7F)
            out.append(ch if keep else f"[U+{code:04X}]")
        elif code in _BLANK_LETTERS or unicodedata.category(ch) in ("Cf", "Cc"):
            out.append(f"[U+{code:04X}]")
        else:
            out.append(ch)
    return "".join(out)


def inert(text: object) -> Markup:
    """For templates: escaped, neutralised, isolated (``<bdi>``), and breakable when long."""
    if text is None:
        return Markup("")
    return Markup('<bdi class="name">{}</bdi>').format(escape(neutralise(str(text))))
