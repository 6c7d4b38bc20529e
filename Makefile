# Two commands do all the set-up on a fresh machine:
#   make demo   build the notMNIST dataset from this machine's fonts, train, report
#   make test   lint and run the test suite
# Both create .venv and install what they need (Debian font packages when root).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)

.PHONY: demo test lint venv system-deps test-deps bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP)

system-deps:
	@sh scripts/install-system-deps.sh

test-deps:
	@sh scripts/install-system-deps.sh --browser

demo: system-deps venv
	$(BIN)/tfdojo data build --if-missing
	$(BIN)/tfdojo data show --out notmnist-grid.png
	$(BIN)/tfdojo train --model cnn --out runs/demo-cnn --overwrite

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test: test-deps venv lint
	$(BIN)/python -m pytest

bench: venv
	$(BIN)/python benchmarks/build_speed.py

clean:
	rm -rf $(VENV) .pytest_cache build src/*.egg-info
