# mockwx: `make run` starts the mock with the demo tenant, `make test` runs the whole suite.
# make run PORT=18812 (any serve option: ARGS="--clock virtual --memory"); make demo PORT=... MERCHANT_PORT=... API=v3.
# Without PORT the mock takes the config's port (ARGS="--config FILE"), else 8900; the merchant's default is 8901.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench bench-quick clean demo fuzz

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python run_mock.py $(ARGS) $(if $(PORT),--port $(PORT))

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# the long fuzz run: FUZZ_EXAMPLES generated inputs per test (default 2000), random each time
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=long $(BIN)/python -m pytest tests/fuzz --hypothesis-show-statistics $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

# make bench: every benchmark, A B A B against a bare aiohttp handler (about 12 minutes; needs wrk).
bench: $(BENCH_STAMP)
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

bench-quick: $(BENCH_STAMP)
	$(BIN)/python bench/run_all.py --quick $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .mockwx *.egg-info

# make demo API=v3 (or v3-certificate): the merchant speaks WeChat Pay API v3
demo: $(STAMP)
	$(BIN)/python run_mock.py demo $(if $(PORT),--port $(PORT)) $(if $(MERCHANT_PORT),--merchant-port $(MERCHANT_PORT)) $(if $(API),--api $(API)) $(ARGS)
