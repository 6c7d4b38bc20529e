# Two commands do all the set-up on a fresh machine:
#   make demo   build the notMNIST dataset from this machine's fonts, train, report
#   make test   lint, build the documentation site (strict), run the test suite
# Both create .venv and install what they need (Debian font packages when root).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)

.PHONY: demo test lint docs-build docs venv system-deps test-deps bench clean

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
	$(BIN)/tfdojo report runs/demo-cnn

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# The site, strictly: a broken link or anchor, or a page missing from mkdocs.yml, fails.
docs-build: venv
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir build/site

# Regenerate the reference pages from the code, then build the site.
docs: venv
	$(BIN)/python scripts/make_docs.py
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir build/site

test: test-deps venv lint docs-build
	$(BIN)/python -m pytest -n 2 --dist loadfile

bench: venv
	$(BIN)/python benchmarks/build_speed.py

clean:
	rm -rf $(VENV) .pytest_cache build src/*.egg-info
