# The two commands a newcomer needs:  make run   and   make test
# Both create .venv from requirements.lock (exact versions) the first time.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MONTH ?=
EXTRACTS ?= data/sample
OUTPUT ?= outputs

# No telemetry from Prefect, Great Expectations or anything that honours DO_NOT_TRACK.
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export GX_ANALYTICS_ENABLED := false
# The ephemeral Prefect server gets 20 s to start by default: too tight on a busy 2-core box.
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 180

.PHONY: run test lock sample clean

$(BIN)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

run: $(BIN)/.installed  ## produce the pack for the latest complete month of data/sample (or MONTH=YYYY-MM)
	$(BIN)/scorecard run --extracts $(EXTRACTS) --output $(OUTPUT) $(if $(MONTH),--month $(MONTH))

test: $(BIN)/.installed  ## run the whole test suite (installs Chromium and pdftoppm for the pack tests)
	bash scripts/install-browser.sh
	bash scripts/test.sh

sample: $(BIN)/.installed  ## re-create data/sample from the seeded generator
	$(BIN)/python -m fostering_scorecard.sample_data --out data/sample

lock:  ## re-resolve requirements.lock from pyproject.toml (needs the package index)
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet -e '.[test]'
	( echo "# Exact versions installed by make. Regenerate with: make lock"; \
	  .lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^fostering' ) > requirements.lock
	rm -rf .lock-venv

clean:  ## remove the virtual environment and caches (never outputs/: it holds the audit trail)
	rm -rf $(VENV) .pytest_cache
