"""Writing tidy CSV files the same way everywhere: fixed column order, '\n' line ends, numbers
without float noise, dates as ISO. Deterministic bytes for the same rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path


def format_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value)}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([format_cell(row.get(c)) for c in columns])
    path.write_text(buffer.getvalue(), encoding="utf-8")
