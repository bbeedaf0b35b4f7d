"""The service floor's face: every service the front doors call, and the types they return.

A front door (the API, the console, the CLI) is handed a ``Services`` (``open_services``) and
calls one method of one service per action; it imports nothing from below this package."""

from byline.engine import (
    BELOW_ZERO,
    NOT_LINKED,
    OLD_SEQ,
    DiffCounts,
    DiffError,
    EngineSettings,
    EvaluationSummary,
    FlaggedOwner,
    OutputError,
    Progress,
    SettingError,
    SnapshotError,
)
from byline.graph import CountReport, GraphFileError, GraphOutputError
from byline.policy import PolicyFileError, load_policy, preset_names
from byline.service import errors, limits
from byline.service._base import Actor, Clock, Deps, wall_clock
from byline.service._decisions import DecisionsRefused
from byline.service._desk import AssignmentConflict, NoCase, TakenByAnother
from byline.service._views import CaseView, HistoryEntry
from byline.service.access import (
    Access,
    ApiKeyRow,
    NoKey,
    NoUser,
    Principal,
    Role,
    Session,
    SignInError,
    StaffUserRow,
    TokenError,
)
from byline.service.cases import Cases, Enforcement, EnforcementChange, EnforcementChanges
from byline.service.counts import CountReject, CountsApplied
from byline.service.creators import Creators
from byline.service.cycle import CycleReport, CycleRunning, StaleSnapshot
from byline.service.cycles import CountUpdate, Cycles
from byline.service.dashboard import (
    Activation,
    CycleRow,
    CycleSnapshot,
    Dashboard,
    DeadlineRow,
    FlaggedRow,
    Overview,
    TierRow,
)
from byline.service.demo import (
    DemoGraph,
    DemoReport,
    DemoStep,
    demo_access,
    demo_now,
    demo_rows,
    demo_snapshot_dir,
    platform_size,
    run_demo,
    running_clock,
)
from byline.service.evaluation import ENGINES, SparkOptions, evaluate_snapshot
from byline.service.floor import Services
from byline.service.graphs import Graphs
from byline.service.health import Gauges, Readiness
from byline.service.labels import Label, LabelCache, LabelLookup, Labels
from byline.service.limits import LimitExceeded
from byline.service.live import Crossed, Live, LiveRun, OwnerJudgedStream, synthesise_events
from byline.service.obligations import Obligation, Worded
from byline.service.operations import KeyRotation, MessageStatus, Operations, db_upgrade
from byline.service.policies import NoActivePolicy, PolicyText
from byline.service.policy_admin import (
    LATEST_CYCLE,
    Activated,
    Policies,
    ShadowChange,
    ShadowComparison,
    ShadowSide,
)
from byline.service.public_log import (
    LogEntry,
    LogProof,
    LogRangeError,
    PublicLog,
    verify_public_log,
)
from byline.service.reviews import (
    Assignee,
    BulkOutcome,
    QueuePage,
    QueueRow,
    QueueView,
    Refused,
    Reviews,
    TrailEntry,
)
from byline.service.simulation import SimulationReport, WeekReport
from byline.service.synthesis import synthesise
from byline.service.webhooks_admin import (
    TOPICS,
    AddressRefused,
    Backlog,
    DeliveryLog,
    DeliveryStats,
    EndpointSwitched,
    NoEndpoint,
    Registered,
    WebhookEndpoint,
    Webhooks,
)
from byline.service.wiring import (
    NoDatabase,
    default_key_file,
    existing_key_provider,
    open_services,
    webhook_guard,
)
from byline.translog import NoteError, Verified

__all__ = [
    "BELOW_ZERO",
    "ENGINES",
    "LATEST_CYCLE",
    "NOT_LINKED",
    "OLD_SEQ",
    "TOPICS",
    "Access",
    "Activated",
    "Activation",
    "Actor",
    "AddressRefused",
    "ApiKeyRow",
    "Assignee",
    "AssignmentConflict",
    "Backlog",
    "BulkOutcome",
    "CaseView",
    "Cases",
    "Clock",
    "CountReject",
    "CountReport",
    "CountUpdate",
    "CountsApplied",
    "Creators",
    "Crossed",
    "CycleReport",
    "CycleRow",
    "CycleRunning",
    "CycleSnapshot",
    "Cycles",
    "Dashboard",
    "DeadlineRow",
    "DecisionsRefused",
    "DeliveryLog",
    "DeliveryStats",
    "DemoGraph",
    "DemoReport",
    "DemoStep",
    "Deps",
    "DiffCounts",
    "DiffError",
    "EndpointSwitched",
    "Enforcement",
    "EnforcementChange",
    "EnforcementChanges",
    "EngineSettings",
    "EvaluationSummary",
    "FlaggedOwner",
    "FlaggedRow",
    "Gauges",
    "GraphFileError",
    "GraphOutputError",
    "Graphs",
    "HistoryEntry",
    "KeyRotation",
    "Label",
    "LabelCache",
    "LabelLookup",
    "Labels",
    "LimitExceeded",
    "Live",
    "LiveRun",
    "LogEntry",
    "LogProof",
    "LogRangeError",
    "MessageStatus",
    "NoActivePolicy",
    "NoCase",
    "NoDatabase",
    "NoEndpoint",
    "NoKey",
    "NoUser",
    "NoteError",
    "Obligation",
    "Operations",
    "OutputError",
    "Overview",
    "OwnerJudgedStream",
    "Policies",
    "PolicyFileError",
    "PolicyText",
    "Principal",
    "Progress",
    "PublicLog",
    "QueuePage",
    "QueueRow",
    "QueueView",
    "Readiness",
    "Refused",
    "Registered",
    "Reviews",
    "Role",
    "Services",
    "Session",
    "SettingError",
    "ShadowChange",
    "ShadowComparison",
    "ShadowSide",
    "SignInError",
    "SimulationReport",
    "SnapshotError",
    "SparkOptions",
    "StaffUserRow",
    "StaleSnapshot",
    "TakenByAnother",
    "TierRow",
    "TokenError",
    "TrailEntry",
    "Verified",
    "WebhookEndpoint",
    "Webhooks",
    "WeekReport",
    "Worded",
    "db_upgrade",
    "default_key_file",
    "demo_access",
    "demo_now",
    "demo_rows",
    "demo_snapshot_dir",
    "errors",
    "evaluate_snapshot",
    "existing_key_provider",
    "limits",
    "load_policy",
    "open_services",
    "platform_size",
    "preset_names",
    "run_demo",
    "running_clock",
    "synthesise",
    "synthesise_events",
    "verify_public_log",
    "wall_clock",
    "webhook_guard",
]
