"""Ingest: read a council's raw extracts into tables of text, keeping every row's line number.

- `extract_info`: extract.toml in the extracts folder (the date the extracts were taken),
  checked (`check_extract_date` also checks a date given on the command line).
- `mapping`: a council's column mapping (mappings/<name>.toml in its project, by name only),
  when its system names files or columns differently or writes dates another way.
- `files`: which files an extract is read from, all inside the extracts folder (links leading
  out are refused); annual returns (episodes_2019-20.csv, ...) for the SSDA903 extracts.
- `sniff`: what a file is: its text encoding and field separator, or a workbook, PDF, image or
  archive saved as .csv, named as what it is.
- `header`: the header line, checked against the contract (a missing header line is reported
  without quoting the record in its place).
- `missing`: spellings of "no value" (NULL, N/A, ...) read as blank (the contract's [reading]).
- `records`: the two CSV readers (pandas' C parser for a well-formed file, Python's csv module
  record by record for any other), which give the same records and line numbers.
- `annual`: several annual returns as one extract; a record in several, the latest one wins.
- `reader`: one extract end to end (`read_extract`), and the cheap up-front check (`check_extract`).
- `raw_extract`: what reading gives (RawExtract, SourceFile); `errors`: ExtractError.

A whole-file problem raises ExtractError with a message naming the file and the fix, never a
value from the file. A record that cannot be read (wrong number of fields, only commas) is kept
as a rejected row with its line and reason, never dropped. Types are applied later, in
validation. An optional extract that is absent reads as empty, with `supplied` False.
"""

from .errors import ExtractError
from .extract_info import EXTRACT_INFO_FILE, ExtractInfo, check_extract_date, load_extract_info, read_extract_toml
from .mapping import DEFAULT_DATE_FORMATS, ExtractMapping, load_mapping
from .raw_extract import KEY, LINE, RawExtract, SourceFile
from .reader import check_extract, read_extract, sha256_of

__all__ = [
    "DEFAULT_DATE_FORMATS",
    "EXTRACT_INFO_FILE",
    "KEY",
    "LINE",
    "ExtractError",
    "ExtractInfo",
    "ExtractMapping",
    "RawExtract",
    "SourceFile",
    "check_extract",
    "check_extract_date",
    "load_extract_info",
    "load_mapping",
    "read_extract",
    "read_extract_toml",
    "sha256_of",
]
