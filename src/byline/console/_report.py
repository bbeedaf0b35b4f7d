"""The compliance lead's report: a period chooser, the report for it (the same figures and
charts as ``byline report``) and its downloads as JSON, HTML and PDF, in the page's language."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from markupsafe import Markup

from byline.console._web import PREFIX, SECURITY_HEADERS, Viewer, page, render
from byline.service import REPORT_FORMATS, PdfUnavailable, Role, errors

router = APIRouter(include_in_schema=False)
Lead = Annotated[Viewer, Depends(page(Role.ADMIN, Role.PLATFORM))]
First = Annotated[str | None, Query(alias="from")]
Last = Annotated[str | None, Query(alias="to")]

DEFAULT_DAYS = 30
MEDIA = {"json": "application/json", "html": "text/html; charset=utf-8", "pdf": "application/pdf"}


def _period(viewer: Viewer, first: str | None, last: str | None) -> tuple[dt.date, dt.date]:
    """The period asked for; by default the last ``DEFAULT_DAYS`` days to today.
    ``ValueError`` for a date that is not one."""
    today = viewer.now().date()
    end = dt.date.fromisoformat(last) if last else today
    start = dt.date.fromisoformat(first) if first else end - dt.timedelta(days=DEFAULT_DAYS - 1)
    return start, end


def _bad_period(viewer: Viewer, first: str | None, last: str | None) -> Response:
    return render(
        viewer,
        "report.html",
        status=400,
        bad_period=True,
        body=None,
        first=first or "",
        last=last or "",
        formats=REPORT_FORMATS,
    )


@router.get(PREFIX + "/{platform}/report")
def report_page(platform: str, viewer: Lead, first: First = None, last: Last = None) -> Response:
    try:
        start, end = _period(viewer, first, last)
        report = viewer.services.reports.build(platform, start, end)
    except errors.NotFoundError:
        return render(
            viewer, "message.html", status=404, title_key="report.title", body_key="report.none"
        )
    except ValueError:
        return _bad_period(viewer, first, last)
    body = Markup(viewer.services.reports.fragment(report, viewer.t.lang))  # escaped there
    return render(
        viewer,
        "report.html",
        bad_period=False,
        body=body,
        first=start.isoformat(),
        last=end.isoformat(),
        formats=REPORT_FORMATS,
    )


@router.get(PREFIX + "/{platform}/report/download")
def report_download(
    platform: str,
    viewer: Lead,
    first: First = None,
    last: Last = None,
    format: str = "pdf",
) -> Response:
    if format not in REPORT_FORMATS:
        return _bad_period(viewer, first, last)
    try:
        start, end = _period(viewer, first, last)
        report = viewer.services.reports.build(platform, start, end)
        content = viewer.services.reports.render(report, format, viewer.t.lang)
    except errors.NotFoundError:
        return render(
            viewer, "message.html", status=404, title_key="report.title", body_key="report.none"
        )
    except PdfUnavailable:
        return render(
            viewer, "message.html", status=503, title_key="report.title", body_key="report.no_pdf"
        )
    except ValueError:
        return _bad_period(viewer, first, last)
    name = f"report-{platform}-{start.isoformat()}-{end.isoformat()}.{format}"
    return Response(
        content,
        media_type=MEDIA[format],
        headers={**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
    )
