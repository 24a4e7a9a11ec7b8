"""Local units, metrics and the observations loaded against them (docs/method.md)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from deliverology.core.aggregation import Aggregation, Measure, MeasureError, check_measure
from deliverology.core.aggregation import measure_value as core_measure_value
from deliverology.core.bounds import Bounds, measure_bounds
from deliverology.core.periods import Period, PeriodError, PeriodKind, parse_period
from deliverology.core.status import Direction
from deliverology.engine.definitions import RecordDefinition
from deliverology.engine.mapping import ColumnMapping
from deliverology.web.performance import copy_format

if TYPE_CHECKING:
    import pyarrow as pa

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$",
    _("Use letters, digits, dots, dashes and underscores only."),
)


class LocalUnitQuerySet(models.QuerySet["LocalUnit"]):
    def roots(self) -> LocalUnitQuerySet:
        return self.filter(parent__isnull=True)

    def subtree(self, unit: LocalUnit) -> LocalUnitQuerySet:
        return self.filter(path__startswith=unit.path)


class LocalUnit(models.Model):
    """A state, region, district, school or campus: a node of the hierarchy of any depth."""

    code = models.CharField(_("code"), max_length=64, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    type = models.CharField(_("type"), max_length=32, help_text=_("For example region or school."))
    category = models.CharField(
        _("category"), max_length=64, blank=True, help_text=_("For example elementary or high.")
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=1024, editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = LocalUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("local unit")
        verbose_name_plural = _("local units")
        ordering = ["path"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @transaction.atomic
    def save(self, *args: Any, **kwargs: Any) -> None:
        old_path = self.path
        self.place_in_tree()
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            self._move_descendants(old_path)

    def clean(self) -> None:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("A unit cannot close before it opens.")})
        if self.parent_id is not None and self.pk is not None:
            parent = LocalUnit.objects.get(pk=self.parent_id)
            if parent.pk == self.pk or parent.path.startswith(self.path):
                raise ValidationError(
                    {"parent": _("A unit cannot sit under itself or one of its own sub-units.")}
                )

    def place_in_tree(self) -> None:
        """Its path and depth, from its parent's (saved or not)."""
        self.path = self.expected_path()
        self.depth = self.path.count("/") - 2

    def expected_path(self) -> str:
        prefix = self.parent.path if self.parent_id is not None and self.parent else "/"
        return f"{prefix}{self.code}/"

    def _move_descendants(self, old_path: str) -> None:
        for unit in LocalUnit.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
            unit.path = self.path + unit.path[len(old_path) :]
            unit.depth = unit.path.count("/") - 2
            unit.save(update_fields=["path", "depth"])

    def ancestors(self) -> list[LocalUnit]:
        """The units above this one, from the root down, in one query."""
        codes = [code for code in self.path.strip("/").split("/")[:-1]]
        by_code = {u.code: u for u in LocalUnit.objects.filter(code__in=codes)}
        return [by_code[code] for code in codes if code in by_code]

    def is_within(self, other: LocalUnit) -> bool:
        return self.path.startswith(other.path)


class Subgroup(models.Model):
    """A group of students or people a figure can be broken down by; "all" is everyone."""

    ALL = "all"

    code = models.CharField(_("code"), max_length=64, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("subgroup")
        verbose_name_plural = _("subgroups")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Metric(models.Model):
    """What is measured, and how its figures combine across local units."""

    class Kind(models.TextChoices):
        GOAL = "goal", _("Goal metric")
        PROGRESS = "progress", _("Progress metric")
        PERVERSE = "perverse", _("Perverse metric")

    class AggregationChoice(models.TextChoices):
        RATE = Aggregation.RATE.value, _("Rate (numerator / denominator)")
        MEAN = Aggregation.MEAN.value, _("Mean")
        SUM = Aggregation.SUM.value, _("Sum")
        COUNT = Aggregation.COUNT.value, _("Count")

    class DirectionChoice(models.TextChoices):
        HIGHER = Direction.HIGHER_IS_BETTER.value, _("Higher is better")
        LOWER = Direction.LOWER_IS_BETTER.value, _("Lower is better")

    class Frequency(models.TextChoices):
        ACADEMIC_YEAR = PeriodKind.ACADEMIC_YEAR.value, _("Academic year")
        CALENDAR_YEAR = PeriodKind.CALENDAR_YEAR.value, _("Calendar year")
        TERM = PeriodKind.TERM.value, _("Term")
        QUARTER = PeriodKind.QUARTER.value, _("Quarter")
        MONTH = PeriodKind.MONTH.value, _("Month")

    code = models.CharField(_("code"), max_length=64, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.GOAL)
    aggregation = models.CharField(
        _("aggregation"), max_length=16, choices=AggregationChoice.choices, default="rate"
    )
    direction = models.CharField(
        _("direction"), max_length=16, choices=DirectionChoice.choices, default="higher"
    )
    measure_unit = models.CharField(_("measure unit"), max_length=32, default="%")
    scale = models.FloatField(
        _("scale"), default=100.0, help_text=_("A rate is numerator / denominator x scale.")
    )
    frequency = models.CharField(
        _("frequency"), max_length=16, choices=Frequency.choices, default="academic_year"
    )
    definition = models.TextField(_("definition"), blank=True)
    numerator_definition = models.TextField(_("numerator"), blank=True)
    denominator_definition = models.TextField(_("denominator"), blank=True)
    data_source = models.CharField(_("data source"), max_length=200, blank=True)
    lag_days = models.PositiveIntegerField(
        _("publication lag (days)"),
        null=True,
        blank=True,
        help_text=_("Days after a period ends before its figures are due. Blank: the default."),
    )

    class Meta:
        verbose_name = _("metric")
        verbose_name_plural = _("metrics")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def core_aggregation(self) -> Aggregation:
        return Aggregation(self.aggregation)

    @property
    def core_direction(self) -> Direction:
        return Direction(self.direction)

    @property
    def bounds(self) -> Bounds:
        """The range its values, targets and trajectories stay in (0 to the scale for a rate)."""
        return measure_bounds(self.core_aggregation, self.scale)

    @property
    def period_kind(self) -> PeriodKind:
        return PeriodKind(self.frequency)

    def parse_period(self, text: str) -> Period:
        return parse_period(text, self.period_kind)

    def applies_to(self, unit_type: str, category: str) -> bool:
        """Whether local units of this type and category are measured by the metric at all:
        inferred from the figures, as any one of them has ever reported one (a grade 3 measure
        does not apply to high schools). See docs/concepts.md."""
        return Observation.objects.filter(
            metric=self, local_unit__type=unit_type, local_unit__category=category
        ).exists()

    def measure_value(self, numerator: float | None, denominator: float | None) -> float | None:
        return core_measure_value(self.core_aggregation, numerator, denominator, self.scale)


class Figure(models.Model):
    """Fields shared by reported observations and rolled-up figures."""

    # No index of its own: every index of the tables of figures starts with the metric.
    metric = models.ForeignKey(
        Metric, verbose_name=_("metric"), on_delete=models.PROTECT, db_index=False
    )
    local_unit = models.ForeignKey(
        LocalUnit, verbose_name=_("local unit"), on_delete=models.PROTECT
    )
    subgroup = models.ForeignKey(Subgroup, verbose_name=_("subgroup"), on_delete=models.PROTECT)
    period = models.CharField(_("period"), max_length=16)
    period_start = models.DateField(editable=False)
    numerator = models.FloatField(_("numerator"), null=True, blank=True)
    denominator = models.FloatField(_("denominator"), null=True, blank=True)
    value = models.FloatField(_("value"), null=True, blank=True)
    provisional = models.BooleanField(_("provisional"), default=False)

    class Meta:
        abstract = True

    def as_measure(self) -> Measure:
        return Measure(self.numerator, self.denominator, self.value, self.provisional)


PROBLEMS_KEPT = 200


def hide_paths(message: str) -> str:
    """A message as people see it: never the folder where the server keeps uploaded files."""
    folder = str(settings.UPLOAD_DIR)
    return message.replace(folder + "/", "").replace(folder, "uploads")


class ImportRun(models.Model):
    """One attempt to load a file: what it was, who loaded it, what it changed, what was wrong."""

    class Kind(models.TextChoices):
        OBSERVATIONS = "observations", _("Observations")
        HIERARCHY = "hierarchy", _("Local units")
        RECORDS = "records", _("Records (computed by the engine)")

    class Outcome(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Running")
        PREVIEWED = "previewed", _("Previewed, not saved")
        COMMITTED = "committed", _("Saved")
        REFUSED = "refused", _("Refused: problems in the file")
        FAILED = "failed", _("Failed: nothing saved")
        INTERRUPTED = "interrupted", _("Interrupted: nothing saved")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64)
    file_size = models.PositiveBigIntegerField(_("file size (bytes)"), default=0)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    mapping_name = models.CharField(_("saved mapping"), max_length=100, blank=True)
    stored_path = models.CharField(max_length=500, blank=True, editable=False)
    progress = models.CharField(_("progress"), max_length=200, blank=True)
    # Who is working on it ("host:pid") and when it last said so: a run whose process has
    # gone is shown as interrupted rather than running for ever.
    runner = models.CharField(max_length=200, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    # Rows of the file (records, for a record-level file) and the figures they gave: a wide
    # row gives several figures, a million records a few thousand.
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    figures_read = models.PositiveIntegerField(_("figures"), default=0)
    rows_new = models.PositiveIntegerField(_("new"), default=0)
    rows_changed = models.PositiveIntegerField(_("changed"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rows_set_aside = models.PositiveIntegerField(_("set aside (placeholders)"), default=0)
    problem_count = models.PositiveIntegerField(_("problems"), default=0)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    notes = models.JSONField(_("notes"), default=list, blank=True)
    # A record import's fingerprint (the file, the definition, the metric, the units and
    # subgroups, the engine) and, once committed, the state of the figures it left: the same
    # fingerprint again while the figures are in that state changes nothing (reimport.py).
    fingerprint = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    figures_state = models.CharField(max_length=100, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_outcome_display()})"

    def finish(
        self, outcome: ImportRun.Outcome, problems: Sequence[str] = (), total: int | None = None
    ) -> ImportRun:
        """Record the outcome. `problems` are the problems listed (the first 200 are kept);
        `total` counts every problem found, when more were found than listed."""
        self.outcome = outcome
        self.progress = ""
        self.problem_count = max(len(problems), total or 0)
        self.problems = [hide_paths(problem) for problem in problems[:PROBLEMS_KEPT]]
        self.notes = [hide_paths(note) for note in self.notes]
        self.finished_at = timezone.now()
        self.save()
        return self

    @property
    def is_done(self) -> bool:
        return self.outcome not in (self.Outcome.QUEUED, self.Outcome.RUNNING)


class SavedMapping(models.Model):
    """A column mapping a delivery unit saved to load files of the same shape again."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=ImportRun.Kind.choices)
    mapping = models.JSONField(_("mapping"))
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("saved mapping")
        verbose_name_plural = _("saved mappings")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """A mapping that cannot read a file is refused where it was written."""
        readers = {
            ImportRun.Kind.OBSERVATIONS: ColumnMapping.from_dict,
            ImportRun.Kind.RECORDS: RecordDefinition.from_dict,
        }
        reader = readers.get(ImportRun.Kind(self.kind)) if self.kind else None
        if reader is None or not isinstance(self.mapping, dict):
            return
        try:
            reader(self.mapping)
        except (ValueError, TypeError, KeyError) as error:
            raise ValidationError({"mapping": str(error)}) from error


class ObservationQuerySet(models.QuerySet["Observation"]):
    def load_new(self, observations: Iterable[Observation]) -> int:
        """Insert new observations in bulk, fast: one prepared statement, no model signals.

        For first loads only (the demo, a new system): no history row is written, since nothing
        has changed yet; changes go through the ORM or the import and keep their history.
        """
        return self._load_rows(_load_values(obs) for obs in observations)

    def load_figures(
        self, figures: Iterable[Sequence[Any]], *, source: str, import_run_id: int | None
    ) -> int:
        """Insert new figures given as tuples (metric id, local unit id, subgroup id, period,
        period start, numerator, denominator, value, provisional, missing reason): an import's
        million figures need no model instances."""
        return self._load_rows((*figure, source, import_run_id) for figure in figures)

    def load_figure_batches(
        self, batches: Iterable[pa.RecordBatch], now: datetime | None = None
    ) -> int:
        """Insert new figures given as Arrow record batches whose columns are those of
        `LOAD_FIELDS` but the last (`loaded_at`, set here to `now`), one batch in memory at a
        time. On PostgreSQL the batches may carry their ids (column `id`, from `reserve_ids`).

        On PostgreSQL each batch goes to a binary COPY built a column at a time
        (copy_format.py): no Python object per figure, nothing for the server to parse. On
        SQLite each batch is one `executemany` of rows made by Arrow, dates already in
        SQLite's text."""
        import pyarrow as pa  # loaded with the engine, as the batches are

        now = now or timezone.now()
        if connection.vendor == "postgresql":
            return copy_batches(self.model, batches, {"loaded_at": now})
        table = self.model._meta.db_table
        columns = ", ".join(
            connection.ops.quote_name(_column(self.model, name)) for name in LOAD_FIELDS
        )
        stamp = pa.scalar(connection.ops.adapt_datetimefield_value(now))
        values = ", ".join(["%s"] * len(LOAD_FIELDS))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({values})"  # noqa: S608
        count = 0
        with connection.cursor() as cursor:
            for batch in batches:
                stamped = batch.append_column("loaded_at", pa.repeat(stamp, len(batch)))
                cursor.executemany(sql, _as_rows(stamped))
                count += len(batch)
        return count

    def load_creation_history(
        self, batches: Iterable[pa.RecordBatch], now: datetime, by: int | None, reason: str
    ) -> int:
        """PostgreSQL: the '+' history row of each figure of `batches` (as given to
        `load_figure_batches`, with their ids, and the history rows' own `history_id`), the
        same row an update through the ORM would keep, sent as a binary COPY."""
        history = self.model.history.model
        constants = {
            "loaded_at": now,
            "history_date": now,
            "history_type": "+",
            "history_user_id": by,
            "history_change_reason": reason,
        }
        return copy_batches(history, batches, constants)

    def _load_rows(self, rows: Iterable[Sequence[Any]], batch_size: int = 10_000) -> int:
        table = self.model._meta.db_table
        columns = [_column(self.model, name) for name in LOAD_FIELDS]
        quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
        now = timezone.now()
        if connection.vendor == "postgresql":  # binary COPY: many times faster than INSERTs
            types = [_database_type(self.model, name) for name in LOAD_FIELDS]
            copy = f"COPY {table} ({quoted}) FROM STDIN (FORMAT BINARY)"
            return _copy_rows(copy, types, rows, now)
        sql = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
        stamp = connection.ops.adapt_datetimefield_value(now)
        adapt_date = connection.ops.adapt_datefield_value
        count = 0
        with connection.cursor() as cursor:
            for batch in _batches(rows, batch_size):
                cursor.executemany(sql, [(*r[:4], adapt_date(r[4]), *r[5:], stamp) for r in batch])
                count += len(batch)
        return count


LOAD_FIELDS = (
    "metric",
    "local_unit",
    "subgroup",
    "period",
    "period_start",
    "numerator",
    "denominator",
    "value",
    "provisional",
    "missing_reason",
    "source",
    "import_run",
    "loaded_at",
)


def lock_against_writers(model: type[models.Model]) -> None:
    """PostgreSQL: no other transaction writes to the model's table until this one ends
    (readers go on)."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")


def reserve_ids(model: type[models.Model], count: int) -> int:
    """PostgreSQL: keep the next `count` ids of the model's table for rows a COPY will give
    them; the first of them. The table is locked against other writers until the
    transaction ends (every insert takes that lock before it draws an id), so no other row
    can take one of them."""
    table = model._meta.db_table
    column = model._meta.pk.column
    lock_against_writers(model)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, %s), "
            "nextval(pg_get_serial_sequence(%s, %s)) + %s - 1)",
            [table, column, table, column, count],
        )
        return int(cursor.fetchone()[0]) - count + 1


def copy_batches(
    model: type[models.Model], batches: Iterable[pa.RecordBatch], constants: dict[str, Any]
) -> int:
    """Insert Arrow record batches whose columns are named as the table's, with the same
    `constants` (by column) on every row, in one binary COPY; the count."""
    import pyarrow as pa
    from psycopg.copy import QueuedLibpqWriter

    batches = iter(batches)
    first = next(batches, None)
    if first is None:
        return 0
    kinds = {
        field.column: copy_format.kind_of(str(field.db_type(connection)))
        for field in model._meta.concrete_fields
    }
    names = [*first.schema.names, *constants]
    columns = [copy_format.Column(name, kinds[name]) for name in names]
    repeated = {
        name: pa.scalar(value, copy_format.arrow_type(kinds[name]))
        for name, value in constants.items()
    }
    quote = connection.ops.quote_name
    listed = ", ".join(quote(name) for name in names)
    sql = f"COPY {quote(model._meta.db_table)} ({listed}) FROM STDIN (FORMAT BINARY)"
    count = 0
    with connection.cursor() as cursor:
        # A thread sends each batch while the next is being built (as views of it: in
        # memory at most the batch being sent and the one being built).
        writer = QueuedLibpqWriter(cursor.cursor)
        with cursor.cursor.copy(sql, writer=writer) as copy:
            copy.write(copy_format.SIGNATURE)
            for batch in itertools.chain([first], batches):
                for name, value in repeated.items():
                    batch = batch.append_column(name, pa.repeat(value, len(batch)))
                copy.write(copy_format.encode(batch, columns))
                count += len(batch)
            copy.write(copy_format.TRAILER)
    return count


def _as_rows(batch: pa.RecordBatch) -> list[tuple[Any, ...]]:
    """A batch as rows of plain values, dates as ISO text (as Django stores them in SQLite)."""
    import pyarrow as pa

    columns = [
        column.cast(pa.string()) if pa.types.is_date(column.type) else column
        for column in batch.columns
    ]
    return list(zip(*(column.to_pylist() for column in columns), strict=True))


def _copy_rows(sql: str, types: list[str], rows: Iterable[Sequence[Any]], now: Any) -> int:
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.set_types(types)  # each value sent in its column's own binary form
        for row in rows:
            copy.write_row((*row, now))
            count += 1
    return count


def _database_type(model: type[models.Model], name: str) -> str:
    """The column's type as PostgreSQL names it, without its length: "varchar", "bigint"."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)  # noqa: S101  (a typing guard)
    return str(field.db_type(connection)).split("(")[0]


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column  # noqa: S101  (a typing guard)
    return field.column


def _batches(rows: Iterable[Sequence[Any]], size: int) -> Iterator[list[Sequence[Any]]]:
    """Lists of `size` rows (itertools.batched arrives with Python 3.12)."""
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _load_values(obs: Observation) -> tuple[Any, ...]:
    return (
        obs.metric_id,
        obs.local_unit_id,
        obs.subgroup_id,
        obs.period,
        obs.period_start,
        obs.numerator,
        obs.denominator,
        obs.value,
        obs.provisional,
        obs.missing_reason,
        obs.source,
        obs.import_run_id,
    )


class Observation(Figure):
    """A figure reported for one metric, local unit, period and subgroup. Missing is not zero."""

    class MissingReason(models.TextChoices):
        SUPPRESSED = "suppressed", _("Suppressed (small numbers)")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")
        NOT_COLLECTED = "not_collected", _("Not collected")
        NOT_YET_AVAILABLE = "not_yet_available", _("Not yet available")

    missing_reason = models.CharField(
        _("why missing"), max_length=32, choices=MissingReason.choices, blank=True
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    import_run = models.ForeignKey(
        ImportRun,
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="observations",
    )
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)
    # Revisions are read per observation (by its id) or as of a date, never by metric or unit:
    # indexes on those would only slow down an import writing a million revisions.
    history = HistoricalRecords(no_db_index=["metric", "local_unit", "subgroup", "import_run"])

    objects = ObservationQuerySet.as_manager()

    class Meta:
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "local_unit", "subgroup", "period"],
                name="one_observation_per_key",
            )
        ]
        indexes = [
            models.Index(fields=["metric", "subgroup", "local_unit", "period_start"]),
            # Covers the triggers' reading of every figure of some metrics and periods
            # (problems.evaluation): read from the index alone, in its order, no table lookups.
            models.Index(
                fields=["metric", "period", "local_unit", "subgroup", "value"],
                name="observation_figures",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric_id} {self.local_unit_id} {self.period} {self.subgroup_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.period_start:
            period = self.metric.parse_period(self.period)
            self.period, self.period_start = period.label, period.start
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.metric_id is None:
            return
        try:
            period = self.metric.parse_period(self.period)
        except PeriodError as error:
            raise ValidationError({"period": str(error)}) from error
        self.period, self.period_start = period.label, period.start
        if self.missing_reason:
            if self.numerator is not None or self.denominator is not None or self.value is not None:
                raise ValidationError(
                    {"missing_reason": _("A missing figure cannot also carry numbers.")}
                )
            return
        self._clean_numbers()

    def _clean_numbers(self) -> None:
        aggregation = self.metric.core_aggregation
        if aggregation in (Aggregation.RATE, Aggregation.MEAN):
            rate_only = self.numerator is None and self.denominator is None
            try:
                check_measure(
                    aggregation, self.numerator, self.denominator, self.value, self.metric.scale
                )
            except MeasureError as error:
                field = "value" if rate_only else "numerator"
                raise ValidationError({field: str(error)}) from error
            if not rate_only:  # a published rate without its counts keeps its value
                self.value = self.metric.measure_value(self.numerator, self.denominator)
        elif self.value is None:
            raise ValidationError({"value": _("Enter a value, or say why it is missing.")})


class Rollup(Figure):
    """A figure computed for a unit from its children: ratio of sums, never a mean of rates.

    Derived data, rebuilt by `actions.refresh_rollups` after every change of observations.
    It carries its coverage (`core.aggregation.Coverage`): of the children expected in the
    period, how many are in the sums, how many were suppressed, how many reported a value
    without counts, and the share of their last known size the sums cover.
    """

    reporting_children = models.PositiveIntegerField(_("children in the sums"), default=0)
    expected_children = models.PositiveIntegerField(_("children expected"), default=0)
    suppressed_children = models.PositiveIntegerField(_("children suppressed"), default=0)
    uncounted_children = models.PositiveIntegerField(
        _("children reported without counts"), default=0
    )
    covered_share = models.FloatField(
        _("share of the last known size covered"), null=True, blank=True
    )
    coverage = models.FloatField(
        _("coverage"),
        default=1.0,
        help_text=_("The covered share, or when it is unknown the share of children covered."),
    )
    children_type = models.CharField(_("type of the children"), max_length=32, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rolled-up figure")
        verbose_name_plural = _("rolled-up figures")
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "local_unit", "subgroup", "period"], name="one_rollup_per_key"
            )
        ]
        indexes = [
            models.Index(fields=["metric", "subgroup", "local_unit", "period_start"]),
            # Covers the triggers' reading, as Observation's does.
            models.Index(
                fields=["metric", "period", "local_unit", "subgroup", "value"],
                name="rollup_figures",
            ),
        ]

    def __str__(self) -> str:
        return f"rollup {self.metric_id} {self.local_unit_id} {self.period} {self.subgroup_id}"
