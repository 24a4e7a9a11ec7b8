"""Where the engine computes: DuckDB on this machine (the default), or Spark for systems that
have outgrown one machine.

A metric's definition and its Ibis expressions are the same on both; only the connection
differs. Spark is an optional extra (`pip install 'deliverology[spark]'`, plus Java 17): pyspark
is imported only when Spark is asked for.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import pyarrow as pa

SPARK_EXTRA = "pip install 'deliverology[spark]'"


class Backend(StrEnum):
    DUCKDB = "duckdb"
    SPARK = "spark"


class BackendError(RuntimeError):
    """A backend that cannot be used here: unknown, or its extra is not installed."""


def connect(backend: Backend | str = Backend.DUCKDB) -> Any:
    """A new Ibis connection to `backend` ("duckdb" or "spark")."""
    match backend_of(backend):
        case Backend.DUCKDB:
            import ibis  # loaded when it is used: it takes a quarter of a second

            return ibis.duckdb.connect()
        case Backend.SPARK:
            return spark_connection()


def spark_connection(session: Any = None) -> Any:
    """An Ibis connection to a Spark session: the one given, or the active one, or a new one
    configured the usual Spark way (spark-submit, spark-defaults.conf, SPARK_* variables)."""
    spark_sql = _pyspark_sql()
    if session is None:
        session = spark_sql.SparkSession.builder.appName("deliverology").getOrCreate()
    import ibis

    return ibis.pyspark.connect(session)


def arrow_table(con: Any, name: str, table: pa.Table) -> Any:
    """An Arrow table as a table of `con`: a temporary table in DuckDB; a temporary view in
    Spark, which has no temporary tables."""
    if con.name == "duckdb":
        return con.create_table(name, table, temp=True, overwrite=True)
    # Spark 4 reads Arrow directly, keeping its nulls (Ibis's memtable goes through pandas).
    con._session.createDataFrame(table).createOrReplaceTempView(name)
    return con.table(name)


def arrow_result(con: Any, expression: Any) -> pa.Table:
    """What an Ibis expression gives, as an Arrow table. On DuckDB it is read straight from
    DuckDB with the SQL Ibis compiles: Ibis 12's own route converts through its pandas layer
    (importing pandas, which takes longer than the whole query on small files) and calls a
    DuckDB method that DuckDB 2 deprecated."""
    if con.name == "duckdb":
        result = con.con.sql(con.compile(expression)).to_arrow_table()
        promised = expression.schema().to_pyarrow()
        # DuckDB's own types where Ibis promises others (a sum of integers is a HUGEINT).
        return result if result.schema.equals(promised) else result.cast(promised)
    return expression.to_pyarrow()


def backend_of(backend: Backend | str) -> Backend:
    """The backend named, or a clear error naming the known ones."""
    try:
        return Backend(backend)
    except ValueError:
        known = ", ".join(f"'{b}'" for b in Backend)
        raise BackendError(f"unknown backend '{backend}': use one of {known}") from None


def _pyspark_sql() -> Any:
    try:
        import pyspark.sql
    except ImportError as error:
        raise BackendError(
            f"computing on Spark needs the spark extra and Java 17: {SPARK_EXTRA}"
        ) from error
    return pyspark.sql
