"""The idle timeout: a session ends SESSION_COOKIE_AGE seconds after its last request.

Django counts a session's age from when it was last saved. Saving it on every request
(SESSION_SAVE_EVERY_REQUEST) would write to the database on every page view; this saves it at
most once a minute per person, so the idle timeout is exact to within a minute.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponseBase

LAST_SEEN = "deliverology_last_seen"
REFRESH_SECONDS = 60


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty() and SESSION_KEY in session:
            now = int(time.time())
            if now - int(session.get(LAST_SEEN, 0)) >= REFRESH_SECONDS:
                session[LAST_SEEN] = now  # modified: saved with a new expiry, cookie renewed
        return response
