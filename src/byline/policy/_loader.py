"""Reading policy files: TOML in, a validated ``Policy`` out, or errors naming file, line, field."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from byline.domain.policy import Policy

_PRESET_PACKAGE = "byline.policy"
_PRESET_DIR = "presets"

# A policy file is a few kilobytes with values nested two or three deep. Anything far beyond
# that is not a policy, and a deep enough nesting exhausts the TOML parser's recursion (and
# the validator's), so both are refused before parsing.
MAX_POLICY_BYTES = 1_000_000
MAX_NESTING = 16


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a policy file."""

    line: int | None
    field: str
    message: str


class PolicyFileError(Exception):
    """A policy file that cannot be used, with every problem found in it."""

    def __init__(self, origin: str, problems: list[Problem]) -> None:
        self.origin = origin
        self.problems = problems
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = []
        for p in self.problems:
            where = f"{self.origin}:{p.line}" if p.line else self.origin
            field = f" {p.field}:" if p.field else ""
            lines.append(f"{where}:{field} {p.message}")
        return "\n".join(lines)


def preset_names() -> list[str]:
    """The names of the shipped presets, sorted."""
    folder = resources.files(_PRESET_PACKAGE).joinpath(_PRESET_DIR)
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def preset_path(name: str) -> Path:
    return Path(str(resources.files(_PRESET_PACKAGE).joinpath(_PRESET_DIR, f"{name}.toml")))


def load_policy(name_or_path: str | Path) -> Policy:
    """Load a shipped preset by name, or a policy file by path."""
    text, origin = read_policy_source(name_or_path)
    return parse_policy(text, origin)


def read_policy_source(name_or_path: str | Path) -> tuple[str, str]:
    """The text of a preset or policy file, and how to name it in messages."""
    candidate = Path(name_or_path)
    if candidate.is_file():
        return candidate.read_text(encoding="utf-8"), str(candidate)
    name = str(name_or_path)
    if name in preset_names():
        return preset_path(name).read_text(encoding="utf-8"), f"preset:{name}"
    raise PolicyFileError(
        str(name_or_path),
        [
            Problem(
                None,
                "",
                f"no such file, and no preset of that name (presets: {', '.join(preset_names())})",
            )
        ],
    )


def parse_policy(text: str, origin: str) -> Policy:
    _check_shape(text, origin)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line = int(match.group(1)) if match else None
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise PolicyFileError(origin, [Problem(line, "", f"not valid TOML: {message}")]) from None
    except RecursionError:  # the nesting check above should make this unreachable
        raise PolicyFileError(origin, [Problem(None, "", _TOO_DEEP)]) from None
    try:
        return Policy.model_validate(data)
    except RecursionError:
        raise PolicyFileError(origin, [Problem(None, "", _TOO_DEEP)]) from None
    except ValidationError as exc:
        lines = _key_lines(text)
        problems = [_problem(err, lines) for err in exc.errors()]
        raise PolicyFileError(origin, problems) from None


_TOO_DEEP = f"values nested more than {MAX_NESTING} deep; a policy needs two or three"


def _check_shape(text: str, origin: str) -> None:
    """Refuse a text too large, or with arrays or inline tables nested too deep, to be a policy.

    Counts ``[``/``{`` against ``]``/``}`` outside strings and comments, one pass, no recursion;
    a table header (``[a]``, ``[[a]]``) counts too, which is at most two."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_POLICY_BYTES:
        raise PolicyFileError(
            origin,
            [Problem(None, "", f"{size} bytes; a policy file is at most {MAX_POLICY_BYTES}")],
        )
    depth, line, i, n = 0, 1, 0, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
        elif c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif c in "\"'":
            quote = text[i : i + 3] if text.startswith(c * 3, i) else c
            i += len(quote)
            while i < n and not text.startswith(quote, i):
                if text[i] == "\n":
                    line += 1
                    if len(quote) == 1:  # an unclosed one-line string: the parser says so
                        break
                elif text[i] == "\\" and c == '"':
                    i += 1
                i += 1
            i += len(quote)
            continue
        elif c in "[{":
            depth += 1
            if depth > MAX_NESTING:
                raise PolicyFileError(origin, [Problem(line, "", _TOO_DEEP)])
        elif c in "]}":
            depth = max(0, depth - 1)
        i += 1


def _problem(err: Any, lines: dict[tuple[str | int, ...], int]) -> Problem:
    loc: tuple[str | int, ...] = tuple(err["loc"])
    if not loc:
        # A rule across the whole file: point at the first rule it names by id.
        for rule_id in re.findall(r"'([a-z0-9][a-z0-9._-]*)'", err["msg"]):
            if ("#id", rule_id) in lines:
                loc = _rule_paths(lines)[rule_id]
                break
    line = None
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            line = lines[loc[:end]]
            break
    field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_fields(loc[:-1])
        message = f"unknown field {loc[-1]!r}; allowed here: {', '.join(allowed)}"
    elif kind == "missing":
        message = "required field is missing"
    else:
        message = err["msg"].removeprefix("Value error, ")
        if "input" in err and kind not in ("model_type",) and not isinstance(err["input"], dict):
            message += f" (got {err['input']!r})"
    return Problem(line, field, message)


def _allowed_fields(loc: tuple[str | int, ...]) -> list[str]:
    model: Any = Policy
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return []
        model = _model_of(field.annotation)
        if model is None:
            return []
    return sorted(model.model_fields)


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


_HEADER_ARRAY = re.compile(r"^\[\[\s*(.+?)\s*\]\]")
_HEADER_TABLE = re.compile(r"^\[\s*(.+?)\s*\]")
_KEY = re.compile(
    r"^((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*="
)


def _split_key(key: str) -> tuple[str, ...]:
    parts = re.findall(r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_-]+)", key)
    return tuple(next(p for p in groups if p) if any(groups) else "" for groups in parts)


def _key_lines(text: str) -> dict[tuple[str | int, ...], int]:
    """Map each table and key path in a TOML text to the line it starts on (1-based)."""
    lines: dict[tuple[str | int, ...], int] = {}
    header: tuple[str | int, ...] = ()
    array_counts: dict[tuple[str, ...], int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if match := _HEADER_ARRAY.match(line):
            path = _split_key(match.group(1))
            index = array_counts.get(path, -1) + 1
            array_counts[path] = index
            header = (*path, index)
            lines.setdefault(header, number)
            lines.setdefault(path, number)
        elif match := _HEADER_TABLE.match(line):
            header = _split_key(match.group(1))
            lines.setdefault(header, number)
        elif match := _KEY.match(line):
            key = (*header, *_split_key(match.group(1)))
            lines.setdefault(key, number)
            if key[-1] == "id" and (value := re.match(r'^[^=]+=\s*"([^"]*)"', line)):
                lines.setdefault(("#id", value.group(1)), number)
                lines.setdefault(("#path", value.group(1), *header), number)
    return lines


def _rule_paths(lines: dict[tuple[str | int, ...], int]) -> dict[str, tuple[str | int, ...]]:
    """Rule id -> the table path that declares it."""
    return {str(k[1]): k[2:] for k in lines if k and k[0] == "#path"}
