"""Hypotheses and performance patterns recorded against a priority's diagnostic."""

from __future__ import annotations

import pytest

from tests.diagnostics.test_pages import PAGE

STATEMENT = "Schools that started late on phonics training improve more slowly."


def post(client, path: str = PAGE, **fields):
    data = {"kind": "hypothesis", "statement": STATEMENT, "evidence": "", "status": "open"}
    return client.post(path, {**data, **fields})


@pytest.mark.parametrize("persona", ["analyst", "owner"])
def test_the_delivery_unit_and_the_priority_owner_record_hypotheses(login, system, persona):
    from deliverology.web.diagnostics.models import Hypothesis

    client = login(persona)
    assert 'name="statement"' in client.get(PAGE).content.decode()
    response = post(client, kind="pattern", evidence="Three analyses agree.")
    assert response.status_code == 302
    hypothesis = Hypothesis.objects.get()
    assert hypothesis.author == system.people[persona]
    assert hypothesis.priority == system.priorities["reading"]
    assert hypothesis.local_unit == system.units["ST"]
    assert hypothesis.kind == "pattern"
    assert hypothesis.history.count() == 1
    page = client.get(PAGE).content.decode()
    assert STATEMENT in page and "Three analyses agree." in page


@pytest.mark.parametrize("persona", ["leader", "viewer", "district"])
def test_others_read_hypotheses_but_cannot_record_them(login, system, persona):
    from deliverology.web.diagnostics.models import Hypothesis

    client = login(persona)
    assert 'name="statement"' not in client.get(PAGE).content.decode()
    assert post(client).status_code == 403
    assert not Hypothesis.objects.exists()


def test_an_owner_of_another_priority_cannot_record_against_this_one(login, system):
    from deliverology.web.diagnostics.models import Hypothesis

    system.priorities["reading"].owner = system.people["leader"]
    system.priorities["reading"].save()
    assert post(login("owner")).status_code == 403
    assert not Hypothesis.objects.exists()


def test_a_hypothesis_without_a_statement_is_refused_on_its_field(login, system):
    from deliverology.web.diagnostics.models import Hypothesis

    response = post(login("analyst"), statement="  ")
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not Hypothesis.objects.exists()


def test_an_unknown_status_is_refused(login, system):
    from deliverology.web.diagnostics.models import Hypothesis

    assert post(login("analyst"), status="proven").status_code == 400
    assert not Hypothesis.objects.exists()


def test_a_district_user_sees_only_hypotheses_about_what_they_may_see(login, system):
    client = login("analyst")
    post(client, "/priorities/reading/diagnostic/D1/", statement="About D1")
    post(client, "/priorities/reading/diagnostic/D3/", statement="About D3")
    post(client, statement="About the system")
    page = login("district").get(PAGE).content.decode()
    assert "About D1" in page
    assert "About D3" not in page
    assert "About the system" not in page  # recorded against the state, which they cannot see


def test_a_change_to_a_hypothesis_is_kept_in_its_history(login, system):
    from deliverology.web.diagnostics.models import Hypothesis

    post(login("analyst"))
    hypothesis = Hypothesis.objects.get()
    hypothesis.status = Hypothesis.Status.SUPPORTED
    hypothesis.save()
    assert [h.status for h in hypothesis.history.order_by("history_date")] == ["open", "supported"]
