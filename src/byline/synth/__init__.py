"""Synthetic platforms: reproducible account snapshots whose shapes are read from profile files."""

from byline.synth._draw import Head
from byline.synth._events import EVENTS_FILE, write_events
from byline.synth._expect import expected_counts, expected_share
from byline.synth._generate import write_snapshot
from byline.synth._graph import GraphFollowers, graph_followers, write_graph
from byline.synth._profile import Profile, load_profile, profile_names
from byline.synth._table import calibration_table
from byline.synth._tail import LognormalPareto, fit_lognormal_pareto

__all__ = [
    "EVENTS_FILE",
    "GraphFollowers",
    "Head",
    "LognormalPareto",
    "Profile",
    "calibration_table",
    "expected_counts",
    "expected_share",
    "fit_lognormal_pareto",
    "graph_followers",
    "load_profile",
    "profile_names",
    "write_events",
    "write_graph",
    "write_snapshot",
]
