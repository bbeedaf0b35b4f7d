"""``python -m byline.spark evaluate|count ...``, or this file given to ``spark-submit``: the
Spark job.

A front door, kept in this package only so that ``-m byline.spark`` names it: it is ``byline
evaluate --engine spark`` or ``byline count --engine spark`` (the same options, the same service
call, the same outputs), with the master and settings ``spark-submit`` gives (``--spark-master``
and ``--spark-conf`` add to them).
"""

from __future__ import annotations

import sys

from byline.cli import app

JOBS = ("evaluate", "count")


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in JOBS:
        print(
            "usage: python -m byline.spark evaluate SNAPSHOT --policy P --as-of D --out DIR "
            "[--previous DIR] [--format F] [--spark-master URL] [--spark-conf KEY=VALUE ...]\n"
            "       python -m byline.spark count EDGES --out DIR [--flags F] [--owners O] "
            "[--format F] [--flagged bot,...] [--spark-master URL] [--spark-conf KEY=VALUE ...]",
            file=sys.stderr,
        )
        raise SystemExit(2)
    app([*args, "--engine", "spark"], prog_name="byline.spark")


if __name__ == "__main__":
    main()
