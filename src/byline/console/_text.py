"""Names in any script, rendered inertly.

Markup is escaped by the templates (autoescape). This neutralises what escaping does not: bidi
controls that reorder the text around a name, and invisible characters that make two names look
alike. Each is replaced by a visible marker, so a reviewer sees that it was there; the result is
wrapped in ``<bdi>`` by the templates so a right-to-left name cannot reorder the page.
"""

from __future__ import annotations

import unicodedata

from markupsafe import Markup, escape

# Bidi embedding/override/isolate controls and marks, zero-width and other invisible formatting.
_INVISIBLE = {
    *range(0x202A, 0x202F),  # LRE RLE PDF LRO RLO
    *range(0x2066, 0x206A),  # LRI RLI FSI PDI
    0x200E,
    0x200F,
    0x061C,  # marks
    *range(0x200B, 0x200E),  # zero-width space, non-joiner, joiner
    0x2060,
    0xFEFF,
    0x180E,
    0x00AD,
}


def neutralise(text: str) -> str:
    """``text`` with every bidi control and invisible character shown as ``[U+XXXX]``, and
    other control characters (category Cc) likewise."""
    out = []
    for ch in text:
        code = ord(ch)
        if code in _INVISIBLE or (unicodedata.category(ch) == "Cc" and ch not in "\t"):
            out.append(f"[U+{code:04X}]")
        else:
            out.append(ch)
    return "".join(out)


def inert(text: object) -> Markup:
    """For templates: escaped, neutralised, isolated (``<bdi>``), and breakable when long."""
    if text is None:
        return Markup("")
    return Markup('<bdi class="name">{}</bdi>').format(escape(neutralise(str(text))))
