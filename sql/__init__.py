"""The SQL models and checks, one query per file: staging -> intermediate -> metrics, with
breakdowns, lists and checks. Package data of fostering_scorecard (this file makes the folder
importable so the installed tool finds it)."""
