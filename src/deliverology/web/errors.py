"""The pages people see when something is refused, missing or broken, and how those are logged.

Each extends the site's base template, so it keeps the header and its navigation; a refusal
shows its reason (the message of the PermissionDenied that was raised). A 403 or 404 is the app
working as intended: it is logged as one line, without a traceback.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    reason = str(exception) if isinstance(exception, PermissionDenied) else ""
    return render(request, "errors/403.html", {"reason": reason}, status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without a valid CSRF token: usually a page left open past its session."""
    explained = _("The form had expired. Go back, reload the page and send it again.")
    return render(request, "errors/403.html", {"reason": explained}, status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "errors/404.html", {"path": request.path}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # The database may be what failed: the page does not look up the person signed in.
    return render(request, "errors/500.html", {"bare_header": True}, status=500)


class ExpectedRefusalFilter(logging.Filter):
    """Drops the traceback from django.request's log line for a 403 or a 404."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) in (403, 404):
            record.exc_info = None
            record.exc_text = None
        return True
