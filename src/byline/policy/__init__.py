"""Policy files: the shipped presets and the reader that validates a file into a ``Policy``."""

from byline.policy._loader import (
    PolicyFileError,
    Problem,
    load_policy,
    parse_policy,
    preset_names,
    preset_path,
    read_policy_source,
)

__all__ = [
    "PolicyFileError",
    "Problem",
    "load_policy",
    "parse_policy",
    "preset_names",
    "preset_path",
    "read_policy_source",
]
