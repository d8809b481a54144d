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

.PHONY: run test lock sample clean region-demo

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

# The regional demo: three synthetic councils of different sizes and seeds (name:LA code:scale:seed;
# tools/sample_data.py's scales: council is Kent-sized, region ten times that), each its own
# project (scorecard init; its id the name in lower case), named in one region.toml, run on a local Prefect server and two
# workers; the regional pack goes to outputs/region/<month>/. Re-running starts afresh.
REGION_DEMO := outputs/region-demo
REGION_DEMO_COUNCILS := Northshire:886:council:101 Southshire:887:council:202 Eastshire:845:region:303

region-demo: $(BIN)/.installed  ## three synthetic councils of different sizes run on two local Prefect workers; the regional pack in outputs/region/
	rm -rf $(REGION_DEMO)
	mkdir -p $(REGION_DEMO)
	printf '[region]\nname = "Demo fostering hub (synthetic)"\ndfe_region = "South East"\noutputs = "../region"\n' > $(REGION_DEMO)/region.toml
	for council in $(REGION_DEMO_COUNCILS); do \
	  set -- $$(echo $$council | tr : ' '); id=$$(echo $$1 | tr A-Z a-z); \
	  $(BIN)/scorecard init $(REGION_DEMO)/$$id --name "$$1 (synthetic)" --la-code $$2 > /dev/null || exit 1; \
	  $(BIN)/python tools/sample_data.py --out $(REGION_DEMO)/$$id/extracts --scale $$3 --seed $$4 || exit 1; \
	  cp data/sample/targets.toml $(REGION_DEMO)/$$id/targets.toml; \
	  printf 'max_set_aside_share = 0.05  # as the bundled sample: its planted errors set aside up to 5%%\n' >> $(REGION_DEMO)/$$id/scorecard.toml; \
	  printf '\n[[council]]\nproject = "%s"\n' $$id >> $(REGION_DEMO)/region.toml; \
	done
	$(BIN)/scorecard region run --region $(REGION_DEMO) --month 2025-03 --local-workers 2

lock:  ## re-resolve requirements.lock from pyproject.toml (needs the package index)
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet -e '.[test]'
	( echo "# Exact versions installed by make. Regenerate with: make lock"; \
	  .lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^fostering' ) > requirements.lock
	rm -rf .lock-venv

clean:  ## remove the virtual environment and caches (never outputs/: it holds the audit trail)
	rm -rf $(VENV) .pytest_cache
