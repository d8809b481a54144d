# The two commands a newcomer needs:  make run   and   make test
# Both create .venv from requirements.lock (exact versions) the first time.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# The council project to run: the bundled sample council by default (synthetic, Kent-sized, April
# 2020 - March 2025; its pack goes to outputs/).
PROJECT ?= data/sample
MONTH ?=
EXTRACTS ?=
OUTPUT ?=
# No telemetry and no results on disk: the scorecard command and the tests set that themselves
# (src/fostering_scorecard/environment.py), so nothing needs exporting here.

.PHONY: run test lock sample clean

$(BIN)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

run: $(BIN)/.installed  ## produce the pack for the latest complete month of the sample council, 2025-03 (or MONTH=YYYY-MM, PROJECT=DIR)
	$(BIN)/scorecard run --project $(PROJECT) $(if $(MONTH),--month $(MONTH)) $(if $(EXTRACTS),--extracts $(EXTRACTS)) $(if $(OUTPUT),--output $(OUTPUT))

test: $(BIN)/.installed  ## run the whole test suite (installs Chromium and pdftoppm for the pack tests)
	bash scripts/install-browser.sh
	bash scripts/test.sh

sample: $(BIN)/.installed  ## re-create the sample council's extracts (data/sample/extracts: April 2020 - March 2025, extracted 5 April 2025) from the seeded generator
	$(BIN)/python tools/sample_data.py --out data/sample/extracts

lock:  ## re-resolve requirements.lock from pyproject.toml (needs the package index)
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet -e '.[test]'
	( echo "# Exact versions installed by make. Regenerate with: make lock"; \
	  .lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^fostering' ) > requirements.lock
	rm -rf .lock-venv

clean:  ## remove the virtual environment and caches (never outputs/: it holds the audit trail)
	rm -rf $(VENV) .pytest_cache
