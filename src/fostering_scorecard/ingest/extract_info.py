"""extract.toml: facts about one drop of extracts (the date they were taken, the council, the
source system, the column mapping to read them through), saved beside the CSV files.

A malformed file (not TOML, no extract_date, a date and time, something that is not a date, a
date after today) is one clear FileProblem naming the file, the problem and the fix; so is an
extract date given on the command line. "Today" is a parameter, so the check is deterministic.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..errors import FileProblem
from .errors import ExtractError
from .files import inside_folder
from .sniff import binary_kind

EXTRACT_INFO_FILE = "extract.toml"
EXAMPLE_LINE = "extract_date = 2020-04-05"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d.*")


@dataclass(frozen=True)
class ExtractInfo:
    """Facts about one drop of extracts, from extract.toml in the extracts folder."""

    extract_date: dt.date
    council: str = ""
    source_system: str = ""
    mapping: str = ""  # the column mapping's name (mappings/<name>.toml in the project), if any


def read_extract_toml(extracts_dir: Path) -> dict | None:
    """extract.toml's settings; None when the folder has none. Refuses a link leading out of
    the folder and a file that is not TOML (ExtractError), never a traceback."""
    folder = Path(extracts_dir)
    if not os.path.lexists(folder / EXTRACT_INFO_FILE):
        return None
    path = inside_folder(folder, EXTRACT_INFO_FILE)
    fix = f"write it as text, one setting a line, e.g.  {EXAMPLE_LINE}  (see docs/data-contract.md)."
    if path.exists() and not path.is_file():  # a folder, or a pipe that would never end
        raise ExtractError(EXTRACT_INFO_FILE, "is not a file (it is a folder, a pipe or a device)", fix)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExtractError(EXTRACT_INFO_FILE, f"cannot be read ({exc.strerror})", "check the file's permissions.") from None
    kind = binary_kind(data[:65536])
    if kind:
        raise ExtractError(EXTRACT_INFO_FILE, f"this is {kind}, not a text file", fix)
    try:
        text = data.decode("utf-8-sig")  # Notepad may add a byte-order mark
    except UnicodeDecodeError:
        raise ExtractError(EXTRACT_INFO_FILE, "is not UTF-8 text", "save it as UTF-8 text: " + fix) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # the message gives the line and column, not the text
        at = re.search(r"at line (\d+)", str(exc))
        line = text.splitlines()[int(at.group(1)) - 1] if at and int(at.group(1)) <= len(text.splitlines()) else ""
        if re.match(r"\s*extract_date\s*=", line):
            problem = f"extract_date (line {at.group(1)}) is not a real date written year-month-day"
        else:
            problem = f"is not valid TOML ({exc})"
        raise ExtractError(EXTRACT_INFO_FILE, problem, fix) from None


def check_extract_date(value: object, today: dt.date, given_as: str = EXTRACT_INFO_FILE) -> dt.date:
    """The extract date, checked: a date (a TOML date, or text written YYYY-MM-DD), not a date
    and time, not after `today`. `given_as` names where it came from (extract.toml, or the
    command-line option) in the message."""
    what = "extract_date" if given_as == EXTRACT_INFO_FILE else "the extract date"
    fix = f"give the day the extracts were taken, written year-month-day: {EXAMPLE_LINE}" if given_as == EXTRACT_INFO_FILE else (
        f"give the day the extracts were taken, written year-month-day: {given_as} 2020-04-05"
    )
    if isinstance(value, str):
        text = value.strip()
        if _ISO_DATE_TIME.fullmatch(text):
            raise FileProblem(given_as, f"{what} is a date and time; it must be a date only", fix)
        if not _ISO_DATE.fullmatch(text):
            raise FileProblem(given_as, f"{what} is not a date written year-month-day", fix)
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            raise FileProblem(given_as, f"{what} is not a real date (check the day and the month)", fix) from None
    if isinstance(value, dt.datetime):
        raise FileProblem(given_as, f"{what} is a date and time; it must be a date only", fix)
    if not isinstance(value, dt.date):
        raise FileProblem(given_as, f"{what} is not a date written year-month-day", fix)
    if value > today:
        raise FileProblem(given_as, f"{what} ({value:%Y-%m-%d}) is after today ({today:%Y-%m-%d})", "check the year: " + fix)
    return value


def _missing_date_hint(data: dict) -> str:
    close = difflib.get_close_matches("extract_date", [str(k) for k in data], n=1, cutoff=0.6)
    return f" (it has {close[0]!r}: the setting is named extract_date)" if close else ""


def load_extract_info(extracts_dir: Path, today: dt.date | None = None, extract_date: object = None,
                      extract_date_given_as: str = "--extract-date") -> ExtractInfo | None:
    """The extracts folder's extract.toml, checked; None when there is none and no extract date
    is given. `extract_date` (e.g. from the command line) is used when the file has none; when
    both give one they must agree. `today` defaults to the computer's date."""
    today = today or dt.date.today()
    given = check_extract_date(extract_date, today, extract_date_given_as) if extract_date is not None else None
    data = read_extract_toml(extracts_dir)
    if data is None:
        return ExtractInfo(extract_date=given) if given else None
    if "extract_date" in data:
        recorded = check_extract_date(data["extract_date"], today)
        if given and given != recorded:
            raise FileProblem(
                extract_date_given_as,
                f"the extract date given ({given:%Y-%m-%d}) differs from extract_date in {EXTRACT_INFO_FILE} ({recorded:%Y-%m-%d})",
                f"give one date: correct {EXTRACT_INFO_FILE}, or leave out {extract_date_given_as}.",
            )
    elif given:
        recorded = given
    else:
        raise ExtractError(
            EXTRACT_INFO_FILE,
            "has no extract_date" + _missing_date_hint(data),
            f"add the day the extracts were taken, as a line:  {EXAMPLE_LINE}",
        )
    texts = {}
    for name in ("council", "source_system", "mapping"):
        value = data.get(name, "")
        if not isinstance(value, str):
            raise ExtractError(EXTRACT_INFO_FILE, f"{name} must be text in quotes", f'write it like  {name} = "..."')
        texts[name] = value
    return ExtractInfo(extract_date=recorded, **texts)
