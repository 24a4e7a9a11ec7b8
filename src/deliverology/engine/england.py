"""A real data set: Level 2 and 3 attainment by age 19 in England, by local authority, 2005-2022.

Published by the Department for Education under the Open Government Licence v3.0 (see
data/england_level2_3_age19_by_la/LICENCE-NOTE.md and SOURCE.md). Each row is a cohort year, a
place (a local authority, a region, or England when both say ALL) and one breakdown (gender, free
school meals or special educational needs, or none).

Three metrics, each a rate of the state-sector cohort (`number_in_ss_cohort`): Level 2 by 19,
Level 3 by 19 and Level 2 with English and maths by 19.

Periods: `cohort_19_in` is the year at whose academic year's end the cohort is 19, so cohort 2005
is the academic year 2004-05, as DfE's release labels it ("2004/05"). The metrics are therefore
academic-year metrics, and line up with other school-year figures.

Cohorts 2023-2025 carry real cohort sizes but 0 for every outcome: they have not been measured
yet. The saved mapping's placeholder rule reports those rows and keeps them out.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import MappingProxyType

from deliverology.core.aggregation import Aggregation
from deliverology.core.periods import PeriodKind
from deliverology.engine.hierarchy_file import HierarchyRead, read_hierarchy
from deliverology.engine.mapping import ColumnMapping
from deliverology.engine.observations import MetricSpec, ObservationsRead, read_observations

DATA_DIR = Path(__file__).parent / "data" / "england_level2_3_age19_by_la"
DASHBOARD_CSV = DATA_DIR / "LA_Dashboard_2022_without_Scilly.csv"
HIERARCHY_CSV = DATA_DIR / "hierarchy.csv"
MAPPING_JSON = DATA_DIR / "mapping.json"

ENGLAND = "E92000001"
REGIONS = MappingProxyType(
    {
        "E12000001": "North East",
        "E12000002": "North West",
        "E12000003": "Yorkshire and the Humber",
        "E12000004": "East Midlands",
        "E12000005": "West Midlands",
        "E12000006": "East of England",
        "E12000007": "London",
        "E12000008": "South East",
        "E12000009": "South West",
    }
)
METRICS = MappingProxyType(
    {
        "l2_by19": "Level 2 by age 19",
        "l3_by19": "Level 3 by age 19",
        "l2_with_em_by19": "Level 2 with English and maths by age 19",
    }
)
SUBGROUPS = MappingProxyType(
    {
        "all": "All young people",
        "female": "Female",
        "male": "Male",
        "fsm": "Eligible for free school meals",
        "not_fsm": "Not eligible for free school meals",
        "no_sen": "No special educational needs",
        "sen_statement_or_ehcp": "SEN with a statement or EHC plan",
        "sen_without_statement": "SEN without a statement or EHC plan",
    }
)
FIRST_COHORT, LAST_MEASURED_COHORT = 2005, 2022


def england_mapping() -> ColumnMapping:
    """The saved column mapping that reads the dashboard file."""
    return ColumnMapping.from_dict(json.loads(MAPPING_JSON.read_text(encoding="utf-8")))


def england_metrics() -> dict[str, MetricSpec]:
    return {
        code: MetricSpec(code, Aggregation.RATE, PeriodKind.ACADEMIC_YEAR, 100.0)
        for code in METRICS
    }


def england_hierarchy() -> HierarchyRead:
    """England → 9 regions → local authorities, with the merges as validity dates."""
    return read_hierarchy(HIERARCHY_CSV)


def read_england(path: Path = DASHBOARD_CSV) -> ObservationsRead:
    """The dashboard's figures, checked against its own hierarchy, metrics and subgroups."""
    hierarchy = england_hierarchy()
    return read_observations(
        path,
        england_mapping(),
        known_units={row.code for row in hierarchy.rows},
        known_metrics=england_metrics(),
        known_subgroups=set(SUBGROUPS),
    )
