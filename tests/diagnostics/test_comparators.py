"""Comparator figures of other systems: entered, loaded from CSV, shown on the diagnostic."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import PERIODS
from tests.diagnostics.test_pages import PAGE

NATIONAL = (50.0, 52.0, 55.0, 56.5)
GOOD_CSV = "name,metric,subgroup,period,value,source\n" + "".join(
    f"National,reading,all,{period},{value},NAEP\n"
    for period, value in zip(PERIODS, NATIONAL, strict=True)
)


def upload(client, content: str, name: str = "comparators.csv"):
    file = SimpleUploadedFile(name, content.encode(), content_type="text/csv")
    return client.post("/comparators/", {"upload": "1", "file": file})


def test_the_delivery_unit_loads_comparators_from_csv(login, system):
    from deliverology.web.diagnostics.models import Comparator

    response = upload(login("analyst"), GOOD_CSV)
    assert response.status_code == 302
    assert Comparator.objects.count() == 4
    national = Comparator.objects.get(period="2024-25")
    assert national.value == 56.5
    assert national.source == "NAEP"
    assert national.history.count() == 1


def test_loading_the_same_figures_again_replaces_them(login, system):
    from deliverology.web.diagnostics.models import Comparator

    client = login("analyst")
    upload(client, GOOD_CSV)
    again = upload(client, GOOD_CSV.replace("56.5", "57.0"))
    assert again.status_code == 302, again.content.decode().split("problems")[1][:800]
    assert Comparator.objects.count() == 4
    assert Comparator.objects.get(period="2024-25").value == 57.0


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("National,spelling,all,2024-25,50,x", "unknown metric “spelling”"),
        ("National,reading,all,next year,50,x", "line 3: period"),
        ("National,reading,all,2024-25,about half,x", "value “about half” is not a number"),
        ("National,reading,all,2024-25,nan,x", "value “nan” is not a number"),
        ("National,reading,all,2024-25,140,x", "A rate lies between 0 and 100"),
        ("National,reading,martians,2024-25,50,x", "unknown subgroup “martians”"),
        ("National,reading,all,2021-22,50,x", "the same figure as line 2"),
    ],
)
def test_a_bad_row_is_reported_with_its_line_and_nothing_is_saved(login, system, row, message):
    from deliverology.web.diagnostics.models import Comparator

    content = "name,metric,subgroup,period,value,source\nNational,reading,all,2021-22,50,x\n"
    response = upload(login("analyst"), content + row + "\n")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert message in page
    assert not Comparator.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,metric,value\nNational,reading,50\n", "no column period"),
        ("name,metric,period,value\n", "no rows of figures"),
        (b"\xff\xfe\x00".decode("latin-1"), "no column"),
    ],
)
def test_a_bad_file_is_refused_clearly(login, system, content, message):
    from deliverology.web.diagnostics.models import Comparator

    response = upload(login("analyst"), content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Comparator.objects.exists()


def test_one_figure_is_added_with_the_form_and_checked(login, system):
    from deliverology.web.diagnostics.models import Comparator

    client = login("analyst")
    fields = {
        "add": "1",
        "name": "Massachusetts",
        "kind": "external",
        "metric": system.metrics["reading"].pk,
        "subgroup": system.subgroups["all"].pk,
        "period": "2024-25",
        "value": "71.0",
        "numerator": "",
        "denominator": "",
        "source": "State report",
    }
    bad = client.post("/comparators/", {**fields, "period": "someday"})
    assert bad.status_code == 400
    assert not Comparator.objects.exists()
    mismatch = client.post("/comparators/", {**fields, "numerator": "50", "denominator": "100"})
    assert mismatch.status_code == 400
    assert "give 50.0, not 71" in mismatch.content.decode()
    assert client.post("/comparators/", fields).status_code == 302
    assert Comparator.objects.get().name == "Massachusetts"


@pytest.mark.parametrize("persona", ["leader", "owner", "viewer", "district"])
def test_only_the_delivery_unit_manages_comparators(login, system, persona):
    from deliverology.web.diagnostics.models import Comparator

    client = login(persona)
    assert client.get("/comparators/").status_code == 403
    assert upload(client, GOOD_CSV).status_code == 403
    assert not Comparator.objects.exists()


def test_comparators_appear_on_the_diagnostic_with_their_rate(login, system):
    upload(login("analyst"), GOOD_CSV)
    page = login("leader").get(PAGE).content.decode()
    section = page.split('id="comparators-heading"')[1].split("</section>")[0]
    assert "National" in section and "NAEP" in section
    assert f"{(NATIONAL[3] - NATIONAL[0]) / 3:+,.2f}" in section
    assert section.count("<svg") == 1
    chart = section.split("<svg")[1].split("</svg>")[0]
    assert "National" in chart and "Testland" in chart


def test_comparators_of_another_subgroup_are_not_shown(login, system):
    upload(login("analyst"), GOOD_CSV.replace(",all,", ",low_income,"))
    page = login("leader").get(PAGE).content.decode()
    assert "NAEP" not in page
    assert "NAEP" in login("leader").get(PAGE + "?subgroup=low_income").content.decode()


def test_the_diagnostic_links_to_the_comparators_for_the_delivery_unit_only(login):
    assert 'href="/comparators/"' in login("analyst").get(PAGE).content.decode()
    assert 'href="/comparators/"' not in login("leader").get(PAGE).content.decode()
