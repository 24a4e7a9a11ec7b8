"""Every file of the hostile corpus, uploaded through the browser: a clear refusal, never a
server error, and nothing saved."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse

from deliverology.web.performance.models import ImportRun, Metric, Observation, Rollup, Subgroup
from tests.engine.test_hostile_files import CASES, Files


@pytest.fixture
def analyst(login, system, settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    Metric.objects.create(code="enrolment", name="Enrolment", aggregation="count", scale=1)
    Metric.objects.create(code="attendance", name="Attendance", frequency="quarter")
    Subgroup.objects.create(code="fsm", name="Free school meals")
    return login("analyst")


def state():
    return (
        sorted(Observation.objects.values_list("pk", "numerator", "denominator", "value")),
        Observation.history.count(),
        Rollup.objects.count(),
    )


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_hostile_upload_is_refused_clearly_and_saves_nothing(case, analyst, tmp_path):
    path = case.make(Files(tmp_path))
    upload = io.BytesIO(path.read_bytes())
    upload.name = path.name
    before, runs = state(), ImportRun.objects.count()
    response = analyst.post(
        reverse("import_new"),
        {
            "kind": "observations",
            "file": upload,
            "mapping_json": json.dumps(case.mapping.to_dict()),
        },
    )
    if not path.stat().st_size:  # the form itself refuses an empty file
        assert response.status_code == 400
        assert "The submitted file is empty." in response.content.decode()
        assert (state(), ImportRun.objects.count()) == (before, runs)
        return
    assert response.status_code == 302, response.content.decode()[:500]
    run = ImportRun.objects.latest("pk")
    assert run.outcome == ImportRun.Outcome.REFUSED, run.problems
    assert run.problems and all(path.name in problem for problem in run.problems)
    page = analyst.get(response["Location"])
    assert page.status_code == 200
    assert "nothing was saved" in page.content.decode()
    assert state() == before
