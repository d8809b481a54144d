"""The internal pack's data-quality page as two real tables, from the data-quality report's rows
(validation/report.py, data_quality.csv: counts only, no record values):

- per extract: rows read, accepted, set aside (and their share), superseded where annual
  returns replaced rows, warnings on rows kept;
- per rule: the plain-English reason, whether rows were set aside or kept with a warning, how
  many rows, new / still open / fixed since last month, and the fix.

The HTML and the workbook list every rule. The PDF prints one page of them at most, whatever the
council (for_print): the rules that matter most (most rows set aside, then new, then warnings),
grouped under their problem with its fix written once, then a line saying how many more rules
and rows there are and where the full list is. How many fit is worked out from pack.typ's
layout and the widths of the PDF's own font (matplotlib's DejaVu Sans), so long problems, fixes
or names print fewer rules rather than more pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

ALL_ROWS = "(all rows)"  # the report's line per extract (validation/report.py ALL_ROWS)
EXTRACT_COLUMNS = ["Extract", "Rows read", "Accepted", "Set aside", "Share set aside"]
CONTRACT_PATH = "docs/data-contract.md"
RULE_COLUMNS = ["Extract", "Problem", "Outcome", "Rows", "New", "Still open", "Fixed", "How to fix it"]
SET_ASIDE, KEPT = "set aside", "kept (warning)"
# A rule's row under its problem and fix, written once for the group (the PDF and the HTML)
GROUPED_RULE_COLUMNS = ["Extract", "Column", "Outcome", "Rows", "New", "Still open", "Fixed"]
FULL_LIST = "the \u201cData quality\u201d sheet of the pack\u2019s workbook and in data_quality.csv, both in the month\u2019s folder"


@dataclass
class ExtractQuality:
    file: str  # the extract's file name as saved ("carers.csv")
    rows_read: int
    rows_accepted: int
    rows_set_aside: int
    rows_superseded: int
    share_set_aside: str  # "1.0%"
    rejected_whole: bool  # every row set aside

    @property
    def cells(self) -> list[str]:
        """The row as EXTRACT_COLUMNS show it."""
        return [self.file, f"{self.rows_read:,}", f"{self.rows_accepted:,}", f"{self.rows_set_aside:,}",
                self.share_set_aside + (" (whole file rejected)" if self.rejected_whole else "")]


@dataclass
class RuleQuality:
    file: str
    problem: str  # the rule's plain-English meaning ("a date is not a real date")
    outcome: str  # "set aside" | "kept (warning)": what happened to the rows
    rows: int
    new: int | None  # None: no earlier month to compare with
    still_open: int | None
    fixed: int | None
    fix: str  # what to do about it, from the rule's example fix
    rule_id: str  # for the workbook's analysts; never shown on a page
    column: str = ""  # the extract's column the rule checks ("DOB"), when the rule names one

    @property
    def cells(self) -> list[str]:
        """The row as RULE_COLUMNS show it."""
        def count(n):
            return "" if n is None else f"{n:,}"
        return [self.file, self.problem, self.outcome, f"{self.rows:,}", count(self.new), count(self.still_open),
                count(self.fixed), self.fix]

    @property
    def cells_in_group(self) -> list[str]:
        """The row as GROUPED_RULE_COLUMNS show it (under its problem and fix)."""
        cells = self.cells
        return [cells[0], self.column, *cells[2:7]]

    @property
    def general_fix(self) -> str:
        """The fix as it reads for every column and file with this problem: the row names them
        ("Correct the column to a real date", the row: "header.csv", "DOB")."""
        fix = self.fix
        if self.column:
            fix = re.sub(rf"(?<![\w.]){re.escape(self.column)}(?![\w])", "the column", fix, count=1)
        return fix.replace(self.file, "the file", 1) if self.file else fix

    def printed_height(self, name_cells: tuple[float, float]) -> float:
        """The printed row's height (pt): one line, unless the file or column name is wider than
        its cell (name_cells: their widths)."""
        return _row_pt(max(_name_lines(self.file, name_cells[0]), _name_lines(self.column, name_cells[1])))

    @property
    def importance(self) -> tuple:
        """The order rules are listed and printed in: most rows set aside first, then most new
        rows, then most rows kept with a warning; ties by extract and rule, so the order never
        depends on the report's."""
        aside = self.rows if self.outcome == SET_ASIDE else 0
        warned = self.rows if self.outcome == KEPT else 0
        return (-aside, -(self.new or 0), -warned, self.file, self.rule_id)

    @property
    def group(self) -> tuple[str, str]:
        """The problem and the fix this rule's row goes under."""
        return _capitalised(self.problem), self.general_fix


@dataclass
class RuleGroup:
    """Rules sharing a problem and a fix (written once above their rows), most important first."""
    problem: str  # capitalised: it starts the group's heading row
    fix: str
    rules: list[RuleQuality]

    @property
    def printed_heading_height(self) -> float:
        """The height (pt) of the group's heading row: the problem in bold, then the fix."""
        words = [(word, True) for word in f"{self.problem}.".split()]
        if self.fix:
            words += [(word, False) for word in f"How to fix it: {self.fix}".split()]
        return _row_pt(_wrapped_lines(words, RULES_COLUMN_PT - CELL_PADDING_PT))


def grouped(rules: list[RuleQuality]) -> list[RuleGroup]:
    """The rules, in their order, under their problem and fix: a group where its first rule is."""
    groups: dict[tuple[str, str], RuleGroup] = {}
    for rule in rules:
        key = rule.group
        if key not in groups:
            groups[key] = RuleGroup(*key, [])
        groups[key].rules.append(rule)
    return list(groups.values())


@dataclass
class DataQuality:
    summary: str  # one sentence: "42 of 61,230 rows read were set aside (0.1%) ..."
    extracts: list[ExtractQuality] = field(default_factory=list)
    rules: list[RuleQuality] = field(default_factory=list)
    compared: bool = False  # new / still open / fixed are known (an earlier month's report)
    extract_columns: list[str] = field(default_factory=lambda: list(EXTRACT_COLUMNS))
    rule_columns: list[str] = field(default_factory=lambda: list(RULE_COLUMNS))
    grouped_rule_columns: list[str] = field(default_factory=lambda: list(GROUPED_RULE_COLUMNS))

    @property
    def ranked(self) -> list[RuleQuality]:
        """Every rule, the most important first (RuleQuality.importance)."""
        return sorted(self.rules, key=lambda rule: rule.importance)

    @property
    def groups(self) -> list[RuleGroup]:
        """Every rule under its problem and fix (the HTML's table)."""
        return grouped(self.ranked)

    def printed_rules(self) -> tuple[list[RuleGroup], list[RuleQuality]]:
        """The rules the PDF prints, under their problem and fix, and the rules it leaves to the
        workbook and the CSV: the most important rules that fit, with the section's headings,
        summary, extracts' table and closing line, on one page of two columns; so the section
        takes what is left of one page and the next page at most, whatever the council."""
        ranked = self.ranked
        intro = (INTRO_PT + EXTRACT_ROW_PT * (len(self.extracts) + 1)
                 + LINE_PT * _wrapped_lines([(w, False) for w in self.summary.split()], PAGE_TEXT_PT))
        room = 2 * (PAGE_PT - intro) - ROW_PT - PARAGRAPH_GAP_PT - LINE_PT * MORE_LINES  # header again, closing line
        # the first `fits` rules fit, the first `over` do not (no more than rows of one line fit)
        fits, over = 0, min(len(ranked), int(room // ROW_PT)) + 1
        while over - fits > 1:  # a longer list is never shorter: halve the range
            n = (fits + over) // 2
            fits, over = (n, over) if _printed_height(grouped(ranked[:n])) <= room else (fits, n)
        return grouped(ranked[:fits]), ranked[fits:]

    def for_print(self) -> dict:
        """The PDF's data-quality section as pack.typ reads it (pdf.py passes it on as it is)."""
        groups, rest = self.printed_rules()
        more = ""
        if rest:
            rules, rows = len(rest), sum(rule.rows for rule in rest)
            more = (f"{rules:,} more {'rule' if rules == 1 else 'rules'} ({rows:,} {'row' if rows == 1 else 'rows'}) "
                    f"{'is' if rules == 1 else 'are'} not printed here: the table lists the rules with the most rows "
                    f"set aside first, then new problems, then warnings. Every rule is listed on {FULL_LIST}.")
        return {
            "summary": self.summary, "extract_columns": self.extract_columns, "extracts": [e.cells for e in self.extracts],
            "rule_columns": self.grouped_rule_columns, "more": more,
            "groups": [{"problem": g.problem, "fix": g.fix, "rules": [r.cells_in_group for r in g.rules]} for g in groups],
        }


# The printed rules' table as pack.typ lays it out (A4 landscape, 9 pt DejaVu Sans), in points:
# the height between the margins and the footer; a one-line row and each further line of a cell;
# a row of the extracts' table; the section's headings, gaps and the rules' header row; the width
# of the page's text and of each of the rules' two columns ((273 mm - 6 mm gutter) / 2); a cell's
# padding, left and right. Measured on the sample's pack (pdftotext -bbox).
PAGE_PT = 533.0
ROW_PT, LINE_PT = 10.44, 10.9
EXTRACT_ROW_PT = 10.84
INTRO_PT = 80.0
PARAGRAPH_GAP_PT = 6.3
MORE_LINES = 4  # the closing line, at the width of a column
PAGE_TEXT_PT, RULES_COLUMN_PT = 773.9, 378.4
CELL_PADDING_PT = 5.0
TEXT_PT = 9
FONT_FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}  # matplotlib's, as pdf.py gives typst
NAME_BREAKS = "_.+- "  # pack.typ breaks a name wider than its cell after these


def _printed_height(groups: list[RuleGroup]) -> float:
    """The printed table's rows (pt), the header apart, and the gap the tallest may leave at the
    foot of the first column (a row does not split)."""
    name_cells = _name_cells([rule for group in groups for rule in group.rules])
    rows = [group.printed_heading_height for group in groups]
    rows += [rule.printed_height(name_cells) for group in groups for rule in group.rules]
    return sum(rows) + max(rows, default=0.0)


def _row_pt(lines: int) -> float:
    return ROW_PT + LINE_PT * (lines - 1)


@lru_cache(maxsize=2)
def _font(bold: bool):
    from matplotlib import ft2font

    from .style import fonts_dir

    font = ft2font.FT2Font(str(fonts_dir() / FONT_FILES[bold]))
    font.set_size(TEXT_PT, 72)  # 72 dpi: a pixel is a point
    return font


@lru_cache(maxsize=1024)
def _char_pt(char: str, bold: bool) -> float:
    from matplotlib import ft2font

    # the design width, unhinted as typst sets it (LoadFlags from matplotlib 3.10)
    no_hinting = ft2font.LoadFlags.NO_HINTING if hasattr(ft2font, "LoadFlags") else ft2font.LOAD_NO_HINTING
    return _font(bold).load_char(ord(char), no_hinting).linearHoriAdvance / 65536


def _text_pt(text: str, bold: bool = False) -> float:
    """The printed width of `text` (pt; without kerning, which only narrows it)."""
    return sum(_char_pt(char, bold) for char in text)


def _wrapped_lines(words: list[tuple[str, bool]], width: float) -> int:
    """How many lines these (word, bold) take when wrapped between words at `width` points (a
    word wider than a line takes lines of its own)."""
    lines, used = 1, 0.0
    space = _char_pt(" ", False)
    for word, bold in words:
        word_pt = _text_pt(word, bold)
        if used and used + space + word_pt > width:
            lines, used = lines + 1, 0.0
        used += (space if used else 0.0) + word_pt
        while used > width:
            lines, used = lines + 1, used - width
    return lines


def _name_lines(name: str, width: float) -> int:
    """How many lines a file or column name takes in a cell `width` points wide."""
    if _text_pt(name) <= width:
        return 1
    pieces = re.findall(rf"[^{re.escape(NAME_BREAKS)}]*[{re.escape(NAME_BREAKS)}]?", name)
    lines, used = 1, 0.0
    for piece in filter(None, pieces):
        piece_pt = _text_pt(piece)
        if used and used + piece_pt > width:
            lines, used = lines + 1, 0.0
        used += piece_pt
    return lines


def _name_cells(rules: list[RuleQuality]) -> tuple[float, float]:
    """The text width of the file's and the column's cells: they share (1 : 1.25) what the
    outcome and the counts leave, each as wide as its widest entry among these rules or its bold
    header."""
    rows = [rule.cells_in_group for rule in rules]
    others = sum(max([_text_pt(GROUPED_RULE_COLUMNS[i], bold=True)] + [_text_pt(row[i]) for row in rows]) + CELL_PADDING_PT
                 for i in range(2, len(GROUPED_RULE_COLUMNS)))
    shared = RULES_COLUMN_PT - others
    return shared / 2.25 - CELL_PADDING_PT, shared * 1.25 / 2.25 - CELL_PADDING_PT


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _int(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _plain_fix(text) -> str:
    """The rule's fix as a page says it: the data contract by its name, not its file path
    (data_quality.csv keeps the path)."""
    return str(text or "").replace(CONTRACT_PATH, "the data contract")


def _maybe_int(value) -> int | None:
    return None if value in (None, "") else _int(value)


def _column(rule_id: str, extract: str) -> str:
    """The column a rule checks, from its id "<extract>.<column>.<kind>" (validation/report.py);
    "" for an id of another shape."""
    if not extract or not rule_id.startswith(extract + "."):
        return ""
    column, dot, _kind = rule_id[len(extract) + 1:].rpartition(".")
    return column if dot else ""


def data_quality(quality_rows: list[dict]) -> DataQuality:
    """The page's tables from data_quality.csv's rows, in the report's order (extract by extract)."""
    extracts, rules = [], []
    for r in quality_rows:
        if r.get("rule_id") == ALL_ROWS:
            read, accepted = _int(r.get("rows_read", r.get("rows"))), _int(r.get("rows_accepted"))
            aside = _int(r.get("rows_quarantined"))
            share = f"{100 * aside / read:.1f}%" if read else "0.0%"
            extracts.append(ExtractQuality(str(r["file"]), read, accepted, aside, _int(r.get("rows_superseded")), share,
                                           read > 0 and accepted == 0))
        else:
            severity = str(r.get("severity") or "")
            rules.append(RuleQuality(
                file=str(r["file"]), problem=str(r.get("meaning") or r.get("detail") or r["rule_id"]),
                outcome=SET_ASIDE if severity == "error" else KEPT,
                rows=_int(r.get("rows")), new=_maybe_int(r.get("new")), still_open=_maybe_int(r.get("still_open")),
                fixed=_maybe_int(r.get("fixed")), fix=_plain_fix(r.get("example_fix")), rule_id=str(r["rule_id"]),
                column=_column(str(r["rule_id"]), str(r.get("extract") or "")),
            ))
    read = sum(e.rows_read for e in extracts)
    aside = sum(e.rows_set_aside for e in extracts)
    warnings = sum(r.rows for r in rules if r.outcome == KEPT)
    share = f" ({100 * aside / read:.1f}%)" if read else ""
    summary = (f"{aside:,} of {read:,} rows read were set aside{share}; "
               f"{warnings:,} {'warning' if warnings == 1 else 'warnings'} on rows kept.")
    compared = any(r.new is not None for r in rules)
    if rules and not compared:
        summary += " There is no earlier month's report to compare with, so new, still open and fixed are blank."
    return DataQuality(summary, extracts, rules, compared)
