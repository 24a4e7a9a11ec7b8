"""/healthz: for load balancers and monitoring, no login needed."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from deliverology.web.health.checks import health


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, a worker is alive and the queue moves; 503 otherwise."""
    report = health(timezone.now())
    return JsonResponse(report.as_json(), status=200 if report.ok else 503)
