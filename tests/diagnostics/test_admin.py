"""Comparators and hypotheses in the admin, with their history."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "path",
    [
        "/admin/diagnostics/comparator/",
        "/admin/diagnostics/comparator/add/",
        "/admin/diagnostics/hypothesis/",
        "/admin/diagnostics/hypothesis/add/",
    ],
)
def test_the_admin_lists_and_adds_them(login, path):
    assert login("analyst").get(path).status_code == 200


def test_a_bad_period_entered_in_the_admin_is_refused_on_its_field(login, system):
    from deliverology.web.diagnostics.models import Comparator

    response = login("analyst").post(
        "/admin/diagnostics/comparator/add/",
        {
            "name": "National",
            "kind": "external",
            "metric": system.metrics["reading"].pk,
            "subgroup": system.subgroups["all"].pk,
            "period": "the future",
            "value": "50",
        },
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not Comparator.objects.exists()


def test_a_comparator_figure_keeps_its_history_in_the_admin(login, system):
    from deliverology.web.diagnostics.models import Comparator

    figure = Comparator(
        name="National",
        metric=system.metrics["reading"],
        subgroup=system.subgroups["all"],
        period="2024-25",
        value=60.0,
    )
    figure.full_clean()
    figure.save()
    figure.value = 61.0
    figure.save()
    page = login("analyst").get(f"/admin/diagnostics/comparator/{figure.pk}/history/")
    assert page.status_code == 200
    assert figure.history.count() == 2
