"""Arrow batches written as PostgreSQL's binary COPY read back exactly as they were."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from django.db import connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from deliverology.web.performance import copy_format
from deliverology.web.performance.copy_format import Column

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's own COPY format"
)

COLUMNS = [
    Column("id", "bigint"),
    Column("count", "integer"),
    Column("share", "double precision"),
    Column("flag", "boolean"),
    Column("day", "date"),
    Column("at", "timestamp with time zone"),
    Column("label", "text"),
    Column("note", "text"),
]
TYPES = {
    "id": pa.int64(),
    "count": pa.int32(),
    "share": pa.float64(),
    "flag": pa.bool_(),
    "day": pa.date32(),
    "at": pa.timestamp("us", tz="UTC"),
    "label": pa.string(),
    "note": pa.string(),
}
CREATE = (
    "CREATE TEMPORARY TABLE copied (id bigint, count integer, share double precision, "
    "flag boolean, day date, at timestamptz, label varchar(20), note text)"
)

moments = st.datetimes(
    min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1), timezones=st.just(dt.UTC)
)
rows = st.fixed_dictionaries(
    {
        "id": st.integers(-(2**63), 2**63 - 1),
        "count": st.none() | st.integers(-(2**31), 2**31 - 1),
        "share": st.none() | st.floats(allow_nan=False),
        "flag": st.booleans(),
        "day": st.none() | st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
        "at": moments,
        "label": st.text(st.characters(exclude_categories=["Cs", "Cc"]), max_size=20),
        "note": st.none() | st.text(st.characters(exclude_categories=["Cs", "Cc"]), max_size=5),
    }
)


def copied(batches):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS copied")
        cursor.execute(CREATE)
        names = ", ".join(column.name for column in COLUMNS)
        with cursor.cursor.copy(f"COPY copied ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(copy_format.SIGNATURE)
            for batch in batches:
                copy.write(copy_format.encode(batch, COLUMNS))
            copy.write(copy_format.TRAILER)
        cursor.execute(f"SELECT {names} FROM copied ORDER BY id")  # noqa: S608
        return [dict(zip(TYPES, row, strict=True)) for row in cursor.fetchall()]


@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
@given(st.lists(rows, max_size=40, unique_by=lambda row: row["id"]), st.integers(1, 7))
def test_rows_of_every_layout_read_back_as_written(written, size):
    """Rows with NULLs and texts of every length (so many layouts in one batch), in batches
    of any size."""
    table = pa.Table.from_pylist(written, schema=pa.schema(TYPES)) if written else None
    batches = table.to_batches(max_chunksize=size) if table is not None else []
    assert copied(batches) == sorted(written, key=lambda row: row["id"])


@pytest.mark.django_db
def test_a_sliced_batch_writes_only_its_own_rows():
    written = [
        {
            "id": i,
            "count": i,
            "share": i / 3,
            "flag": i % 2 == 0,
            "day": dt.date(2024, 1, i + 1),
            "at": dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
            "label": "é" * i,
            "note": None,
        }
        for i in range(6)
    ]
    batch = pa.RecordBatch.from_pylist(written, schema=pa.schema(TYPES))
    assert copied([batch.slice(2, 3)]) == written[2:5]


def test_a_type_with_no_binary_form_is_refused():
    with pytest.raises(ValueError, match="numeric"):
        copy_format.kind_of("numeric(10, 2)")
    assert copy_format.kind_of("varchar(16)") == copy_format.TEXT
