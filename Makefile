# Every target creates .venv when it is missing; nothing depends on what is installed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
RUNTIME := $(VENV)/.runtime

.PHONY: venv tools demo run test test-unit test-integration lint bench fuzz soak clean

venv: $(STAMP)

# The service's own dependencies: all `make demo` and `make run` need.
$(RUNTIME): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e .
	touch $(RUNTIME)

# Test, lint and benchmark tools on top, for `make test`, `lint`, `bench`.
$(STAMP): $(RUNTIME)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test,dev,bench]'
	touch $(STAMP)

# `make demo PORT=10050` when 10049 is taken.
demo: $(RUNTIME)
	$(VENV)/bin/tickerwatch demo $(if $(PORT),--port $(PORT))

run: $(RUNTIME)
	$(VENV)/bin/tickerwatch run

# The system tools the integration tests run (Prometheus, Alertmanager, …): installed with
# apt-get when missing and run as root, else the command to run is printed.
tools:
	@sh tests/system-tools.sh

# Two workers (pytest-xdist): most integration tests wait on real processes and timers.
test: $(STAMP) tools
	$(PY) -m pytest -q -n 2

test-unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

test-integration: $(STAMP) tools
	$(PY) -m pytest -q -n 2 tests/integration

lint: $(STAMP)
	$(VENV)/bin/ruff check service tests benchmarks
	$(VENV)/bin/ruff format --check service tests benchmarks
	$(VENV)/bin/mypy

bench: $(STAMP)
	@sh benchmarks/tools.sh
	$(PY) benchmarks/run.py

# Long versions of the reliability tests: 50 SIGKILLs, 60 s of load, the fault matrix.
soak: $(STAMP) tools
	TICKERWATCH_SOAK_KILLS=50 TICKERWATCH_LOAD_SECONDS=60 $(PY) -m pytest -q -s \
		tests/integration/test_durability.py tests/integration/test_load.py \
		tests/integration/test_faults.py

# 10,000 hypothesis examples per surface: parser, feed readers, number reader, config loader,
# API parameters, alert evaluation — every test file that imports support.fuzz
# (tests/unit/test_fuzz_surfaces.py checks that none is left out).
fuzz: $(STAMP)
	TICKERWATCH_FUZZ_EXAMPLES=10000 $(PY) -m pytest -q tests/unit/test_parse_properties.py \
		tests/unit/test_feed_properties.py tests/unit/test_number_properties.py \
		tests/unit/test_fuzz_config.py tests/unit/test_fuzz_api.py \
		tests/unit/test_parse_locate.py tests/unit/test_parse_changed.py \
		tests/unit/test_parse_literals.py tests/unit/test_alert_breaker.py \
		tests/unit/test_feed_fast_paths.py tests/unit/test_config_schedule.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
