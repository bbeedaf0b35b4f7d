"""Names in any script, rendered inertly.

Markup is escaped by the templates (autoescape). This neutralises what escaping does not: bidi
controls that reorder the text around a name, and invisible characters that make two names look
alike. Each is replaced by a visible marker, so a reviewer sees that it was there; the result is
wrapped in ``<bdi>`` by the templates so a right-to-left name cannot reorder the page.
"""

from __future__ import annotations

import unicodedata

from markupsafe import Markup, escape

# Bidi embedding/override/isolate controls and marks, and invisible characters with no place in
# a name. (The vault refuses the embeddings, overrides and isolates outright; names stored before
# that rule, or arriving by another door, are still shown inertly.)
_ALWAYS = {
    *range(0x202A, 0x202F),  # LRE RLE PDF LRO RLO
    *range(0x2066, 0x206A),  # LRI RLI FSI PDI
    0x200E,  # LRM
    0x200F,  # RLM
    0x061C,  # ALM
    0x200B,  # zero-width space
    0x2060,  # word joiner
    0xFEFF,  # zero-width no-break space
    0x180E,  # Mongolian vowel separator
    0x00AD,  # soft hyphen
}
# Zero-width (non-)joiners are part of how Persian, Indic scripts and emoji sequences are
# written: kept between two non-ASCII characters, shown as a marker anywhere else (e.g. inside
# a Latin word, where they only make two names look alike).
_JOINERS = {0x200C, 0x200D}


def neutralise(text: str) -> str:
    """``text`` with every bidi control and invisible character shown as ``[U+XXXX]`` (and
    other control characters likewise); joiners only where no script needs them."""
    out = []
    last = len(text) - 1
    for i, ch in enumerate(text):
        code = ord(ch)
        if code in _JOINERS:
            between_scripts = 0 < i < last and ord(text[i - 1]) > 0x7F and ord(text[i + 1]) > 0x7F
            out.append(ch if between_scripts else f"[U+{code:04X}]")
        elif code in _ALWAYS or (unicodedata.category(ch) == "Cc" and ch != "\t"):
            out.append(f"[U+{code:04X}]")
        else:
            out.append(ch)
    return "".join(out)


def inert(text: object) -> Markup:
    """For templates: escaped, neutralised, isolated (``<bdi>``), and breakable when long."""
    if text is None:
        return Markup("")
    return Markup('<bdi class="name">{}</bdi>').format(escape(neutralise(str(text))))
