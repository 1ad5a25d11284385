# One entry point. Every target creates or reuses .venv and installs what it needs.
#   make book   build the library, run the book's code in quick mode (CPU), build the website
#   make test   ruff + the whole test suite (including quick-mode evaluation of every section)
#   make lib | notebooks | eval | pkg | html | pdf | serve | bench | check | clean

PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
NODE    := node_modules/.installed
BOOK    := book
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
D2LBOOK := cd $(BOOK) && ../$(BIN)/d2lbook
# Offline copies of the small data sets, when the workplace provides them beside the
# checkout (see ../shared/data/README.md); otherwise the library downloads them.
ifneq ($(wildcard ../shared/data/SHA1SUMS),)
export D2L_DATA_DIR ?= $(abspath ../shared/data)
endif

.PHONY: book test lib notebooks eval pkg html pdf serve bench check clean env

env: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[torch,jax,dev]"
	@touch $(STAMP)

$(NODE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE)

lib: $(STAMP)
	$(D2LBOOK) build lib --strict

check: $(STAMP)
	$(D2LBOOK) check --strict

notebooks: $(STAMP)
	$(D2LBOOK) build notebooks

eval: $(STAMP)
	$(D2LBOOK) build eval --quick -j $(JOBS)

html: $(STAMP) $(NODE)
	$(D2LBOOK) build html

book: $(STAMP) $(NODE)
	$(D2LBOOK) build lib --strict
	$(D2LBOOK) build eval --quick -j $(JOBS)
	$(D2LBOOK) build pkg
	$(D2LBOOK) build html
	@echo
	@echo "The website is in $(BOOK)/_build/html (index.html)."
	@echo "Preview it with:  make serve   (or: $(BIN)/python -m http.server -d $(BOOK)/_build/html 8000)"

pdf: $(STAMP)
	$(D2LBOOK) build pdf

pkg: $(STAMP)
	$(D2LBOOK) build pkg

serve: $(STAMP) $(NODE)
	$(D2LBOOK) serve

bench: $(STAMP)
	$(BIN)/python -m bench all

test: $(STAMP) $(NODE)
	$(BIN)/ruff check .
	$(D2LBOOK) check --strict
	$(D2LBOOK) build outputcheck tabcheck --strict
	$(BIN)/python -m pytest -q -n $(JOBS) --dist loadgroup tests

clean:
	rm -rf $(BOOK)/_build
