"""The platforms' pledged floors, as the shipped presets record them: a policy file whose floor
goes below its platform's pledge is valid (a platform may change its rule), but says so."""

from __future__ import annotations

from dataclasses import dataclass

from byline.domain.policy import Policy
from byline.policy._loader import load_policy, preset_names


@dataclass(frozen=True)
class BelowPledge:
    """A floor lower than the one its platform pledged (in the preset ``preset``)."""

    preset: str
    platform: str
    metric: str
    floor: int
    pledged: int
    pledge: str

    def __str__(self) -> str:
        return (
            f"the floor ({self.metric} >= {self.floor:,}) is below {self.platform}'s pledged"
            f" floor ({self.metric} >= {self.pledged:,}, preset {self.preset}): {self.pledge}"
        )


def below_pledged_floor(policy: Policy) -> list[BelowPledge]:
    """Where ``policy``'s floor is lower than a pledge recorded for its platform: by each preset
    of the same platform (by name, whatever the case) whose floor carries a pledge."""
    platform = policy.policy.platform.strip().casefold()
    found: list[BelowPledge] = []
    for name in preset_names():
        preset = load_policy(name)
        if preset.policy.platform.strip().casefold() != platform or not preset.floor.pledge:
            continue
        for metric, pledged in preset.floor.threshold.items():
            floor = policy.floor.threshold.get(metric)
            if floor is not None and floor < pledged:
                found.append(
                    BelowPledge(
                        name, preset.policy.platform, metric, floor, pledged, preset.floor.pledge
                    )
                )
    return found
