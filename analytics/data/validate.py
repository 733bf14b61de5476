"""The contract's ranges and allowed values, checked once, by pandera.

``pandera_schema``, built here from the contract in analytics/data/schema.py, is the single source
of truth for what a typed table may hold: counts >= 0, shares in 0..1, enumerations from their list,
required columns non-null, the dtypes. The coercion (analytics/data/coerce*.py) only *reads* values
(is this a timestamp, a number, a whole number?); it no longer repeats these rules. This module runs
the schema lazily and turns its first failure case (row, column, value) into the one-line
``DataValidationError`` "file, row(s), column: what is wrong".
"""

from __future__ import annotations

import pandas as pd
import pandera.errors as pa_errors
import pandera.pandas as pa

from analytics.data.schema import TABLES, UTC_NS, Column
from analytics.exceptions import DataValidationError

_SEVERITY_HINT = "; map other labels with severity_map in program.yml"


_PA_TYPES = {
    "id": pa.Column(str, nullable=False, unique=False),
    "text": pa.Column(str, nullable=True),
    "timestamp": pa.Column(UTC_NS, nullable=True),
    "count": pa.Column("Int64", pa.Check.ge(0), nullable=True),
    "share": pa.Column(float, pa.Check.in_range(0.0, 1.0), nullable=True),
}


def pandera_schema(table: str) -> pa.DataFrameSchema:
    """The pandera schema of a canonical table *after* loading (typed, UTC).

    Required columns may not be null; enumerations must hold canonical values; ids are unique.
    """
    spec = TABLES[table]
    cols = {}
    for c in spec.columns:
        nullable = not c.required
        if c.kind == "enum":
            col = pa.Column(str, pa.Check.isin(list(c.values)), nullable=nullable)
        elif c.kind == "id":
            col = pa.Column(str, nullable=nullable, unique=c.name == spec.id_column)
        else:
            base = _PA_TYPES[c.kind]
            col = pa.Column(base.dtype, base.checks, nullable=nullable)
        cols[c.name] = col
    return pa.DataFrameSchema(cols, strict=True, coerce=False)


def check_contract(result: pd.DataFrame, raw: pd.DataFrame, table: str, file: str) -> None:
    """Validate the typed ``result`` against the table's schema; raise on the first failure.

    ``raw`` holds the values as read (same index as ``result``, which holds the data row
    numbers): messages quote what the file says, not what it was mapped to. Ids are checked
    unique elsewhere (with a better message), so the schema does not hash them again.
    """
    spec = TABLES[table]
    schema = pandera_schema(table).update_column(spec.id_column, unique=False)
    try:
        schema.validate(result, lazy=True)
    except pa_errors.SchemaErrors as exc:
        raise contract_error(exc.failure_cases, raw, table, file) from None


def contract_error(
    cases: pd.DataFrame, raw: pd.DataFrame, table: str, file: str
) -> DataValidationError:
    """The error for the first failing column (contract order) of pandera's ``failure_cases``,
    naming every row that fails the same check there."""
    spec = TABLES[table]
    order = {name: i for i, name in enumerate(spec.names)}
    cases = cases.assign(_pos=cases["column"].map(order).fillna(len(order)))
    first = cases.sort_values("_pos", kind="stable").iloc[0]
    same = cases[(cases["column"] == first["column"]) & (cases["check"] == first["check"])]
    rows = [int(r) for r in same["index"].dropna()]
    name = first["column"] if first["column"] in order else None
    if name is None:
        return DataValidationError(
            f"breaks the data contract: {first['check']}", file=file, rows=rows
        )
    message = _message(spec.column(name), str(first["check"]), same, raw, rows)
    return DataValidationError(message, file=file, rows=rows, column=name)


def _message(
    col: Column, check: str, same: pd.DataFrame, raw: pd.DataFrame, rows: list[int]
) -> str:
    """One sentence for a failed check of ``col``, in the words of the data contract."""
    values = same["failure_case"]
    if check == "not_nullable":
        return "empty value in a required column"
    if col.kind == "count" and check.startswith("greater_than_or_equal_to"):
        return f"negative count {float(values.iloc[0]):g}"
    if col.kind == "share" and check.startswith("in_range"):
        shown = pd.to_numeric(values)
        hint = " (it looks like a percentage: divide by 100)" if (shown <= 100).all() else ""
        return f"{float(shown.iloc[0]):g} is outside 0..1{hint}"
    if col.kind == "enum" and check.startswith("isin"):
        given = raw.loc[rows[0], col.name] if rows and col.name in raw else values.iloc[0]
        hint = _SEVERITY_HINT if col.name == "severity" else ""
        return f"unknown {col.name} value {given!r} (allowed: {', '.join(col.values)}{hint})"
    return f"breaks the data contract: {check} (value {values.iloc[0]!r})"
