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

from deliverology.engine.reading import FileProblem
from deliverology.web.accounts.access import require_delivery_unit
from deliverology.web.performance import mapping_builder as builder
from deliverology.web.performance.forms import ImportForm
from deliverology.web.performance.imports import close_interrupted_imports, start_import
from deliverology.web.performance.models import ImportRun, SavedMapping
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


@login_required
@require_http_methods(["GET", "POST"])
def mapping_builder(request: HttpRequest) -> HttpResponse:
    """Build a mapping by picking the file's columns: upload, pick, then check the file."""
    require_delivery_unit(request)
    step = request.POST.get("step", "upload")
    if request.method == "POST" and step == "pick":
        return _pick_columns(request)
    if request.method == "POST" and step == "check":
        return _check_with_mapping(request)
    upload = builder.UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and upload.is_valid():
        token = builder.store_upload(upload.cleaned_data["file"]).name
        return _builder_page(request, token, None)
    return render(request, "performance/mapping_builder.html", {"upload": upload})


def _builder_page(
    request: HttpRequest,
    token: str,
    pick: builder.MappingBuilderForm | None,
    check: builder.MappingCheckForm | None = None,
) -> HttpResponse:
    path = builder.stored_file(token)
    if path is None:
        return redirect("mapping_builder")
    name = builder.original_name(token)
    try:
        preview = builder.file_preview(path, name)
    except FileProblem as problem:
        context = {"upload": builder.UploadForm(), "file_problems": problem.problems}
        return render(request, "performance/mapping_builder.html", context)
    initial = {"token": token, "footer_rows": preview.footer_rows}
    pick = pick or builder.MappingBuilderForm(columns=preview.columns, initial=initial)
    context = {"name": name, "preview": preview, "pick": pick, "check": check}
    return render(request, "performance/mapping_builder.html", context)


def _pick_columns(request: HttpRequest) -> HttpResponse:
    token = request.POST.get("token", "")
    path = builder.stored_file(token)
    if path is None:
        return redirect("mapping_builder")
    try:
        preview = builder.file_preview(path, builder.original_name(token))
    except FileProblem:
        return redirect("mapping_builder")
    pick = builder.MappingBuilderForm(request.POST, columns=preview.columns)
    check = None
    if pick.is_valid():
        built = builder.pretty(builder.MappingBuilderForm.mapping_data(pick.cleaned_data))
        check = builder.MappingCheckForm(initial={"token": token, "mapping_json": built})
    return _builder_page(request, token, pick, check)


def _check_with_mapping(request: HttpRequest) -> HttpResponse:
    token = request.POST.get("token", "")
    path = builder.stored_file(token)
    if path is None:
        return redirect("mapping_builder")
    check = builder.MappingCheckForm(request.POST)
    if not check.is_valid():
        return _builder_page(request, token, None, check)
    mapping, name = check.cleaned_data["mapping_json"], check.cleaned_data["save_as"]
    if name:
        SavedMapping.objects.create(
            name=name, kind=ImportRun.Kind.OBSERVATIONS, mapping=mapping.to_dict()
        )
    run = start_import(
        ImportRun.Kind.OBSERVATIONS,
        path,
        file_name=builder.original_name(token),
        mapping=mapping,
        mapping_name=name,
        by=request.user if isinstance(request.user, User) else None,
    )
    check_file.enqueue(run.pk)
    return redirect("import_detail", run.pk)
