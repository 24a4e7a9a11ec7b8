"""Imports: upload a file, see what it would change, load it; all checked in the background."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import get_valid_filename
from django.views.decorators.http import require_http_methods, require_POST

from deliverology.web.accounts.access import require_delivery_unit
from deliverology.web.performance.forms import ImportForm
from deliverology.web.performance.imports import close_interrupted_imports, start_import
from deliverology.web.performance.models import ImportRun
from deliverology.web.performance.tasks import check_file, load_file
from deliverology.web.performance.uploads import TOO_LARGE


@login_required
def imports(request: HttpRequest) -> HttpResponse:
    require_delivery_unit(request)
    close_interrupted_imports()
    runs = ImportRun.objects.select_related("created_by")[:100]
    return render(request, "performance/imports.html", {"runs": runs})


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    require_delivery_unit(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    too_large = getattr(request, TOO_LARGE, None)
    if request.method == "POST" and form.is_valid() and not too_large:
        data = form.cleaned_data
        saved = data.get("saved_mapping") or form.save_mapping()
        run = start_import(
            ImportRun.Kind(data["kind"]),
            _store(data["file"]),
            file_name=data["file"].name,
            mapping=data.get("mapping"),
            mapping_name=saved.name if saved else "",
            by=request.user if isinstance(request.user, User) else None,
        )
        check_file.enqueue(run.pk)
        return redirect("import_detail", run.pk)
    if too_large:
        form.errors["file"] = form.error_class([too_large])
    status = 400 if request.method == "POST" else 200  # a form error: the request was wrong
    return render(request, "performance/import_new.html", {"form": form}, status=status)


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_delivery_unit(request)
    run = get_object_or_404(ImportRun.objects.select_related("created_by"), pk=pk)
    if run.outcome == ImportRun.Outcome.RUNNING and close_interrupted_imports():
        run.refresh_from_db()
    return render(request, "performance/import_detail.html", {"run": run})


@login_required
@require_POST
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    require_delivery_unit(request)
    run = get_object_or_404(ImportRun, pk=pk, outcome=ImportRun.Outcome.PREVIEWED)
    run.outcome = ImportRun.Outcome.QUEUED
    run.save(update_fields=["outcome"])
    load_file.enqueue(run.pk)
    return redirect("import_detail", run.pk)


def _store(upload: UploadedFile) -> Path:
    folder = Path(settings.UPLOAD_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    name = get_valid_filename(upload.name or "upload")
    stem, suffix = Path(name).stem[:80], Path(name).suffix[:20]
    path = folder / f"{uuid.uuid4().hex}-{stem}{suffix}"
    with path.open("wb") as stream:
        for chunk in upload.chunks():
            stream.write(chunk)
    return path
