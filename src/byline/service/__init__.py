"""The service floor's face: every service the front doors call, and the types they return.

A front door (the API, the console, the CLI) is handed a ``Services`` (``open_services``) and
calls one method of one service per action; it imports nothing from below this package."""

from byline.engine import (
    BELOW_ZERO,
    OLD_SEQ,
    DiffError,
    EngineSettings,
    OutputError,
    Progress,
    SettingError,
    SnapshotError,
)
from byline.graph import CountReport, GraphFileError, GraphOutputError
from byline.policy import PolicyFileError, load_policy, preset_names
from byline.service import errors, limits
from byline.service._base import Actor, Clock, Deps, wall_clock
from byline.service._desk import AssignmentConflict, NoCase, TakenByAnother
from byline.service.access import (
    Access,
    NoKey,
    NoUser,
    Principal,
    Role,
    Session,
    SignInError,
    TokenError,
)
from byline.service.cases import Cases
from byline.service.creators import Creators
from byline.service.cycle import CycleReport, CycleRunning, StaleSnapshot
from byline.service.cycles import CountUpdate, Cycles
from byline.service.dashboard import (
    Activation,
    CycleRow,
    CycleSnapshot,
    Dashboard,
    Overview,
    TierRow,
)
from byline.service.demo import (
    DemoReport,
    DemoStep,
    demo_access,
    demo_now,
    demo_snapshot_dir,
    run_demo,
    running_clock,
)
from byline.service.evaluation import evaluate_snapshot
from byline.service.floor import Services
from byline.service.graphs import Graphs
from byline.service.labels import Label, LabelCache, LabelLookup, Labels
from byline.service.limits import LimitExceeded
from byline.service.live import Live, LiveRun, synthesise_events
from byline.service.operations import MessageStatus, Operations, db_upgrade
from byline.service.policies import NoActivePolicy, PolicyText
from byline.service.policy_admin import LATEST_CYCLE, Policies
from byline.service.reviews import (
    Assignee,
    BulkOutcome,
    QueuePage,
    QueueRow,
    QueueView,
    Refused,
    Reviews,
)
from byline.service.simulation import SimulationReport, WeekReport
from byline.service.synthesis import synthesise
from byline.service.webhooks_admin import (
    TOPICS,
    AddressRefused,
    NoEndpoint,
    Registered,
    Webhooks,
)
from byline.service.wiring import (
    NoDatabase,
    default_key_file,
    existing_key_provider,
    open_services,
    webhook_guard,
)

__all__ = [
    "BELOW_ZERO",
    "LATEST_CYCLE",
    "OLD_SEQ",
    "TOPICS",
    "Access",
    "Activation",
    "Actor",
    "AddressRefused",
    "Assignee",
    "AssignmentConflict",
    "BulkOutcome",
    "Cases",
    "Clock",
    "CountReport",
    "CountUpdate",
    "Creators",
    "CycleReport",
    "CycleRow",
    "CycleRunning",
    "CycleSnapshot",
    "Cycles",
    "Dashboard",
    "DemoReport",
    "DemoStep",
    "Deps",
    "DiffError",
    "EngineSettings",
    "GraphFileError",
    "GraphOutputError",
    "Graphs",
    "Label",
    "LabelCache",
    "LabelLookup",
    "Labels",
    "LimitExceeded",
    "Live",
    "LiveRun",
    "MessageStatus",
    "NoActivePolicy",
    "NoCase",
    "NoDatabase",
    "NoEndpoint",
    "NoKey",
    "NoUser",
    "Operations",
    "OutputError",
    "Overview",
    "Policies",
    "PolicyFileError",
    "PolicyText",
    "Principal",
    "Progress",
    "QueuePage",
    "QueueRow",
    "QueueView",
    "Refused",
    "Registered",
    "Reviews",
    "Role",
    "Services",
    "Session",
    "SettingError",
    "SignInError",
    "SimulationReport",
    "SnapshotError",
    "StaleSnapshot",
    "TakenByAnother",
    "TierRow",
    "TokenError",
    "Webhooks",
    "WeekReport",
    "db_upgrade",
    "default_key_file",
    "demo_access",
    "demo_now",
    "demo_snapshot_dir",
    "errors",
    "evaluate_snapshot",
    "existing_key_provider",
    "limits",
    "load_policy",
    "open_services",
    "preset_names",
    "run_demo",
    "running_clock",
    "synthesise",
    "synthesise_events",
    "wall_clock",
    "webhook_guard",
]
