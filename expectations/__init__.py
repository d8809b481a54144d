"""The Great Expectations suites, one per extract, generated from the data contract. Package
data of fostering_scorecard (this file makes the folder importable so the installed tool finds it)."""
