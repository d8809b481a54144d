"""The data-quality report: a shareable summary per rule (no record ids), the internal
per-record list, and what changed since last month (new, still open, fixed)."""

import csv

from builders import children_for

from fostering_scorecard.validation import report

CARER = {"approval_date": "01/01/2015"}


def read_csv(path):
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def month_report(validated_extracts, folder, previous_month_dir=None, **tables):
    _ctx, validated = validated_extracts("2020-03", **tables)
    folder.mkdir(parents=True)
    rows = report.write_quality_outputs(folder, validated, previous_month_dir=previous_month_dir)
    return rows, validated


def test_summary_counts_rows_and_rules_without_record_ids(validated_extracts, tmp_path):
    carers = [
        {"household_id": "H101", **CARER},
        {"household_id": "H102", **CARER, "household_type": "agency"},  # line 3: bad code
        {"household_id": "H103", **CARER, "status": "gone"},  # line 4: bad code
        {"household_id": "H104", **CARER},
    ]
    episodes = [{"CHILD": "C901", "DECOM": "01/01/2019", "DEC": "01/03/2019", "REC": "X1"}]  # warning: X1, nothing next
    rows, _ = month_report(validated_extracts, tmp_path / "2020-03", carers=carers, episodes=episodes, header=children_for(episodes))
    carers_rows = {r["rule_id"]: r for r in rows if r["extract"] == "carers"}
    assert carers_rows["(all rows)"]["detail"].startswith("read 4 = accepted 2 + quarantined 2")
    assert carers_rows["carers.household_type.bad_code"]["rows"] == 1
    assert carers_rows["carers.household_type.bad_code"]["share_of_rows_percent"] == 25.0  # 1 of 4 rows
    assert carers_rows["carers.household_type.bad_code"]["example_fix"].startswith("Re-code household_type")
    warning = next(r for r in rows if r["rule_id"] == "episodes.REC.x1_without_next")
    assert (warning["severity"], warning["rows"]) == ("warning", 1)
    assert "row kept" in warning["detail"]

    shared = (tmp_path / "2020-03" / "data_quality.csv").read_text()
    assert not any(record_id in shared for record_id in ["H101", "H102", "H103", "C901"])
    assert all(not any(str(v).startswith(("H1", "C9")) for v in r.values()) for r in rows)
    internal = read_csv(tmp_path / "2020-03" / "internal" / "data_quality_records.csv")
    assert [(r["record_key"], r["rule_id"], r["status"]) for r in internal] == [
        ("CHILD=C901 DECOM=01/01/2019", "episodes.REC.x1_without_next", "new"),
        ("household_id=H102", "carers.household_type.bad_code", "new"),
        ("household_id=H103", "carers.status.bad_code", "new"),
    ]
    quarantined = read_csv(tmp_path / "2020-03" / "internal" / "quarantine.csv")
    assert [(r["line"], r["severity"]) for r in quarantined] == [("3", "error"), ("4", "error")]


def test_change_since_last_month_matches_records_by_key_not_line(validated_extracts, tmp_path):
    last_month = [
        {"household_id": "H1", **CARER, "household_type": "agency"},  # line 2: bad code, fixed by this month
        {"household_id": "H2", **CARER, "status": "gone"},  # line 3: still wrong this month
    ]
    month_report(validated_extracts, tmp_path / "out" / "2020-02", carers=last_month)
    this_month = [
        {"household_id": "H0", **CARER, "skills_level": "7"},  # line 2: new problem
        {"household_id": "H1", **CARER},  # line 3: fixed
        {"household_id": "H2", **CARER, "status": "gone"},  # line 4 now, the same record and rule
    ]
    rows, _ = month_report(
        validated_extracts, tmp_path / "out" / "2020-03", previous_month_dir=tmp_path / "out" / "2020-02", carers=this_month
    )
    internal = read_csv(tmp_path / "out" / "2020-03" / "internal" / "data_quality_records.csv")
    assert [(r["line"], r["record_key"], r["rule_id"], r["status"]) for r in internal] == [
        ("2", "household_id=H0", "carers.skills_level.bad_number", "new"),
        ("4", "household_id=H2", "carers.status.bad_code", "still open"),
        ("2", "household_id=H1", "carers.household_type.bad_code", "fixed"),  # last month's line
    ]
    by_rule = {r["rule_id"]: r for r in rows}
    assert (by_rule["carers.skills_level.bad_number"]["new"], by_rule["carers.skills_level.bad_number"]["still_open"]) == (1, 0)
    assert (by_rule["carers.status.bad_code"]["new"], by_rule["carers.status.bad_code"]["still_open"]) == (0, 1)
    fixed = by_rule["carers.household_type.bad_code"]
    assert (fixed["rows"], fixed["fixed"]) == (0, 1)  # no row breaks it now; one was fixed


def test_without_a_previous_report_every_finding_is_new_and_the_summary_says_so(validated_extracts, tmp_path):
    rows, _ = month_report(
        validated_extracts, tmp_path / "out" / "2020-03", previous_month_dir=tmp_path / "out" / "2020-02",
        carers=[{"household_id": "H1", **CARER, "status": "gone"}],
    )
    rule = next(r for r in rows if r["rule_id"] == "carers.status.bad_code")
    assert rule["new"] == "" and "no earlier month's report to compare with" in rule["detail"]
    records = report.read_record_rows(tmp_path / "out" / "2020-03")
    assert [r["status"] for r in records] == ["new"]


def test_every_summary_row_has_the_same_columns(validated_extracts, tmp_path):
    rows, _ = month_report(validated_extracts, tmp_path / "2020-03", carers=[{"household_id": "H1", **CARER, "status": "x"}])
    assert {tuple(sorted(r)) for r in rows} == {tuple(sorted(rows[0]))}
    assert set(report.QUALITY_COLUMNS) <= set(rows[0])
