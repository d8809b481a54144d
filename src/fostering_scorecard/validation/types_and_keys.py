"""The first layer: DuckDB applies the contract's types (a value that will not parse is a finding,
not a failed read) and finds repeated keys (only the second and later copies are findings)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from ..ingest import DEFAULT_DATE_FORMATS, LINE, RawExtract
from .findings import failure, shorten


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def cast_sql(column, date_formats: tuple[str, ...]) -> str:
    q = f'"{column.name}"'
    if column.type == "date":
        formats = ", ".join(_sql_text(f) for f in date_formats)
        # DuckDB reads a two-digit year under %Y as year 00xx: treat that as not a date.
        parsed = f"try_strptime({q}, [{formats}])::DATE"
        return f"CASE WHEN year({parsed}) >= 1000 THEN {parsed} END"
    if column.type == "integer":
        # A whole number, written plainly, with thousands separators as Excel writes them
        # ("1,200") or with a zero decimal part ("2.0"). Anything else ("2.5", "1,0") is not
        # one: a plain cast would round 2.5 to 3.
        return (
            f"CASE WHEN regexp_full_match({q}, '[+-]?\\d+') THEN TRY_CAST({q} AS INTEGER) "
            f"WHEN regexp_full_match({q}, '\\d{{1,3}}(,\\d{{3}})+') THEN TRY_CAST(replace({q}, ',', '') AS INTEGER) "
            f"WHEN regexp_full_match({q}, '[+-]?\\d+\\.0+') THEN TRY_CAST(split_part({q}, '.', 1) AS INTEGER) END"
        )
    if column.type == "flag":
        return f"upper({q})"
    return q


def readable_format(date_format: str) -> str:
    return date_format.replace("%d", "dd").replace("%m", "mm").replace("%Y", "YYYY").replace("%H", "hh").replace("%M", "mm")


def _not_parsed_reason(column, value: str, date_formats: tuple[str, ...]) -> str:
    shown = shorten(value)
    if column.type == "integer":
        return f"{column.name} is {shown!r}, which is not a whole number"
    expected = " or ".join(readable_format(f) for f in date_formats)
    if value.isdigit() and 4 <= len(value) <= 5:
        return f"{column.name} is {shown!r}, which looks like an Excel date serial number, not a date written {expected}"
    return f"{column.name} is {shown!r}, which is not a real date written {expected}"


def type_rows(con: duckdb.DuckDBPyConnection, raw: RawExtract) -> tuple[pd.DataFrame, list[dict]]:
    """Every row with the contract's types (a value that does not parse is null here and a
    finding), and the second and later copies of each key. DuckDB reads the text frame where it
    is and converts only the typed columns; text columns are taken over as they are."""
    extract = raw.extract
    formats = raw.date_formats or DEFAULT_DATE_FORMATS
    rows = raw.rows
    converted_columns = [c for c in extract.columns if c.type in ("date", "integer", "flag")]
    select = ", ".join([f'"{LINE}"'] + [f'{cast_sql(c, formats)} AS "{c.name}"' for c in converted_columns])
    con.register("raw_rows", rows)
    try:
        # A projection keeps the frame's row order (DuckDB's preserve_insertion_order), checked below.
        converted = con.execute(f"SELECT {select} FROM raw_rows").df()
        repeated_keys = _repeated_keys(con, "raw_rows", extract.key)
    finally:
        con.unregister("raw_rows")
    if not np.array_equal(converted[LINE].to_numpy(), rows[LINE].to_numpy()):
        raise RuntimeError(f"{extract.file}: typed rows out of line order; this is a bug in the pipeline, please report it")
    converted.index = rows.index
    typed = pd.DataFrame(
        {LINE: rows[LINE], **{c.name: (converted if c in converted_columns else rows)[c.name] for c in extract.columns}},
        copy=False,  # the text columns stay shared with raw.rows
    )

    failures = []
    lines = rows[LINE].to_numpy()
    for col in extract.columns:
        if col.type not in ("date", "integer"):
            continue
        kind = "bad_date" if col.type == "date" else "bad_number"
        unparsed = rows[col.name].notna().to_numpy() & typed[col.name].isna().to_numpy()
        failures += [
            failure(extract, line, None, col.name, kind, _not_parsed_reason(col, value, formats), value)
            for line, value in zip(lines[unparsed].tolist(), rows[col.name].to_numpy()[unparsed])
        ]
    key_name = "+".join(extract.key)
    failures += [
        failure(extract, line, None, key_name, "duplicate_key", f"repeats the {key_name} of {raw.line_label(first)}; the first copy is kept", "")
        for line, first in repeated_keys
    ]
    return typed, failures


def _repeated_keys(con: duckdb.DuckDBPyConnection, table: str, key: tuple[str, ...]) -> list[tuple[int, int]]:
    """(line, line of the first copy) for every row whose key, as written, repeats an earlier
    row's, in line order; a row with part of its key blank repeats nothing. Only the keys seen
    more than once are joined back (hashing every key once in DuckDB is the fast way)."""
    columns = ", ".join(f'"{name}"' for name in key)
    filled = " AND ".join(f'"{name}" IS NOT NULL' for name in key)
    return con.execute(
        f"""WITH repeated AS (
                SELECT {columns}, min("{LINE}") AS first_line FROM {table} WHERE {filled}
                GROUP BY {columns} HAVING count(*) > 1
            )
            SELECT r."{LINE}", repeated.first_line FROM {table} AS r JOIN repeated USING ({columns})
            WHERE r."{LINE}" <> repeated.first_line ORDER BY r."{LINE}"
            """
    ).fetchall()
