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
from byline.policy._pledges import BelowPledge, below_pledged_floor

__all__ = [
    "BelowPledge",
    "PolicyFileError",
    "Problem",
    "below_pledged_floor",
    "load_policy",
    "parse_policy",
    "preset_names",
    "preset_path",
    "read_policy_source",
]
