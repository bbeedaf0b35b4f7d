"""The programme step the public log's crash test kills: approve every submitted name (each
approval puts a label up and appends a ``disclosed`` entry), then run cycles on a snapshot in
which some of those accounts fell below the floor, on each date given (the policy releases an
account below the floor for long enough: each release takes a label down and appends a
``released`` entry). Run again after a kill, it finishes what is left: an approved case is no
longer submitted, and a cycle already finished for its date is not run twice.

    python log_driver.py DB_URL KEY_FILE SNAPSHOT AS_OF [AS_OF ...]
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from byline.domain.cases import CaseState
from byline.service.cycle import run_cycle
from byline.service.programme import Actor
from byline.service.wiring import open_programme

PLATFORM = "weibo"


def main(db_url: str, key_file: str, snapshot: str, *dates: str) -> None:
    programme = open_programme(db_url, key_file=Path(key_file))
    reviewer = Actor("reviewer:chaos")
    while batch := programme.list_cases(PLATFORM, CaseState.SUBMITTED, limit=50):
        for case in batch:
            programme.approve(PLATFORM, case.account_id, actor=reviewer)
    for as_of in dates:
        run_cycle(programme.db, Path(snapshot), PLATFORM, dt.date.fromisoformat(as_of))


if __name__ == "__main__":
    main(*sys.argv[1:])
