"""C2SP ``tlog-tiles``: how a log's entries and tree are cut into static files.

Tiles hold 256 items. An entry bundle (``tile/entries/<N>``) holds entries ``256*N ..``, each as a
big-endian 16-bit length then its bytes; a hash tile at level L (``tile/<L>/<N>``) holds the
hashes of the complete subtrees of 256**L leaves each. The last tile of a level may be partial:
``<path>.p/<W>`` with W items. ``<N>`` is written in groups of three digits, all but the last
prefixed with ``x`` (1234067 -> ``x001/x234/067``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from byline.domain.merkle import root

TILE_HEIGHT = 8  # a tile spans 8 levels of the tree
WIDTH = 1 << TILE_HEIGHT  # so holds 256 items
_PATH = re.compile(
    r"tile/(entries|[0-9]|[1-5][0-9]|6[0-3])/((?:x[0-9]{3}/)*[0-9]{3})(?:\.p/([0-9]{1,3}))?"
)


def tile_index(n: int) -> str:
    digits = f"{n:03d}"
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])


def tile_path(level: int | str, n: int, width: int) -> str:
    path = f"tile/{level}/{tile_index(n)}"
    return path if width == WIDTH else f"{path}.p/{width}"


def parse_tile(path: str) -> tuple[str, int, int] | None:
    """(level: ``entries`` or a number, N, width) of a tile path; None when it is not one."""
    found = _PATH.fullmatch(path)
    if found is None:
        return None
    width = int(found.group(3)) if found.group(3) else WIDTH
    if not 0 < width <= WIDTH or (found.group(3) and width == WIDTH):
        return None
    return found.group(1), int(found.group(2).replace("x", "").replace("/", "")), width


def bundle(entries: Sequence[bytes]) -> bytes:
    out = bytearray()
    for entry in entries:
        if len(entry) >= 1 << 16:
            raise ValueError("an entry of the log is at most 65,535 bytes")
        out += len(entry).to_bytes(2, "big") + entry
    return bytes(out)


def unbundle(data: bytes) -> list[bytes]:
    entries, at = [], 0
    while at < len(data):
        if at + 2 > len(data):
            raise ValueError("an entry bundle ends inside a length")
        size = int.from_bytes(data[at : at + 2], "big")
        if at + 2 + size > len(data):
            raise ValueError("an entry bundle ends inside an entry")
        entries.append(data[at + 2 : at + 2 + size])
        at += 2 + size
    return entries


def tiles(entries: Sequence[bytes], leaves: Sequence[bytes]) -> Iterator[tuple[str, bytes]]:
    """(path, content) of every tile of a log of ``entries`` (with their leaf ``leaves``)."""
    for start in range(0, len(entries), WIDTH):
        part = entries[start : start + WIDTH]
        yield tile_path("entries", start // WIDTH, len(part)), bundle(part)
    level, hashes = 0, list(leaves)
    while hashes:
        for start in range(0, len(hashes), WIDTH):
            part = hashes[start : start + WIDTH]
            yield tile_path(level, start // WIDTH, len(part)), b"".join(part)
        # the next level: the roots of each complete tile's subtree
        hashes = [root(hashes[i : i + WIDTH]) for i in range(0, len(hashes) - WIDTH + 1, WIDTH)]
        level += 1
