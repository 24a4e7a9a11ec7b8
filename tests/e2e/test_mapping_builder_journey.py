"""A new user with no mapping loads a state's own file by picking its columns in the browser."""

from __future__ import annotations

import pytest

from deliverology.web.performance.models import Observation
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STATE_FILE = (
    "District Code,School Year,Tested,Met Standard\n"
    "D1,24-25,200,120\n"
    "D2,24-25,100,45\n"
    "Source: State Department of Education\n"
)


def test_analyst_builds_a_mapping_by_picking_columns_and_loads_the_file(
    page, live_server, system, settings, tmp_path, artifacts
):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    path = tmp_path / "state-results.csv"
    path.write_text(STATE_FILE)
    page.goto(f"{live_server.url}/imports/new/")
    page.get_by_label("Username").fill("analyst")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="No mapping yet? Build one by picking the file's columns").click()

    page.get_by_label("File").set_input_files(str(path))
    page.get_by_role("button", name="Show its columns").click()
    page.get_by_label("Local unit code").select_option("District Code")
    page.get_by_label("Period", exact=True).select_option("School Year")
    page.get_by_label("Or one metric for the whole file").select_option("reading")
    page.get_by_label("Numerator").select_option("Met Standard")
    page.get_by_label("Denominator").select_option("Tested")
    page.get_by_role("button", name="Make the mapping").click()

    mapping = page.get_by_label("The mapping (JSON)")
    assert '"footer_rows": 1' in mapping.input_value()  # the source line at the end
    mapping.fill(
        mapping.input_value().replace(
            '"layout": "long",', '"layout": "long",\n  "period_kind": "academic_year",'
        )
    )
    page.get_by_label("Save this mapping as").fill("state results")
    page.screenshot(path=str(artifacts / "mapping-builder.png"), full_page=True)
    page.get_by_role("button", name="Check the file with this mapping").click()

    page.get_by_role("button", name="Load these figures").click()
    page.wait_for_selector(".outcome-committed")
    loaded = Observation.objects.filter(period="2024-25", local_unit__code__in=["D1", "D2"])
    assert sorted(loaded.values_list("local_unit__code", "numerator", "denominator")) == [
        ("D1", 120, 200),
        ("D2", 45, 100),
    ]
