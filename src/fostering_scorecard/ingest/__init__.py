"""Ingest: read a council's raw extracts into tables of text, keeping every row's line number.

- `extract_info`: extract.toml in the extracts folder (the date the extracts were taken).
- `mapping`: a council's column mapping (mappings/<name>.toml in its project), when its system
  names files or columns differently or writes dates another way.
- `header`: the header line, checked against the contract.
- `records`: the two CSV readers (pandas' C parser for a well-formed file, Python's csv module
  record by record for any other), which give the same records and line numbers.
- `reader`: one file end to end (`read_extract`), and the cheap up-front check (`check_extract`).
- `raw_extract`: what reading gives (RawExtract); `errors`: ExtractError.

A whole-file problem raises ExtractError with a message naming the file and the fix. A record
that cannot be read (wrong number of fields, only commas) is kept as a rejected row with its
line and reason, never dropped. Types are applied later, in validation.
"""

from .errors import ExtractError
from .extract_info import EXTRACT_INFO_FILE, ExtractInfo, load_extract_info
from .mapping import DEFAULT_DATE_FORMATS, ExtractMapping, load_mapping
from .raw_extract import KEY, LINE, RawExtract
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
    "check_extract",
    "load_extract_info",
    "load_mapping",
    "read_extract",
    "sha256_of",
]
