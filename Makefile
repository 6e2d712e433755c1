# Vindplaats task menu. `make run` and `make test` are all a newcomer needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
INDEX := var/index
CORPUS := corpus
# `make run SITE=https://www.example.nl` syncs that live site instead of indexing corpus/, then
# serves it and syncs again every SYNC_INTERVAL seconds.
SITE ?=
SYNC_INTERVAL ?= 900
ifneq ($(SITE),)
INDEX := var/site-index
endif
HOST ?= 127.0.0.1
PORT ?= 8000
CORPUS_FILES := $(shell find $(CORPUS) -type f 2>/dev/null)
# A list of the corpus files that changes (and so triggers a rebuild) when a file is deleted.
CORPUS_LIST := $(shell mkdir -p var && find $(CORPUS) -type f 2>/dev/null | sort > var/corpus.list.new \
	&& (cmp -s var/corpus.list.new var/corpus.list || mv var/corpus.list.new var/corpus.list); \
	rm -f var/corpus.list.new; echo var/corpus.list)
# The index is rebuilt when the corpus or the code that makes it changes.
INDEXER_FILES := $(shell find indexer -type f -not -path '*/__pycache__/*' 2>/dev/null)

VIEWER := service/viewer
PDFJS := service/static/pdfjs/VERSION

.PHONY: run serve index sync viewer test lint format bench bench-indexing bench-relevance install clean

## install: create .venv and install the project with its test tools (again when pyproject.toml changes), and the PDF viewer
install: $(VENV)/.installed $(PDFJS)
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	$(PY) -c "import lxml_html_clean, trafilatura, whoosh, Stemmer, pypdf, wordfreq, markdown_it, pypdfium2, pytesseract"
	touch $@

## index: build var/index from corpus/ (again whenever corpus/ or the indexer changed)
index: $(INDEX).stamp
$(INDEX).stamp: $(VENV)/.installed $(CORPUS_FILES) $(CORPUS_LIST) $(INDEXER_FILES)
	@mkdir -p var
	$(PY) -m indexer build $(CORPUS) --index $(INDEX)
	touch $@

## viewer: PDF.js for the PDF viewer, from npm (pinned in service/viewer/package-lock.json), into service/static/pdfjs/
viewer: $(PDFJS)
$(PDFJS): $(VIEWER)/package-lock.json $(VIEWER)/build.mjs
	npm ci --prefix $(VIEWER) --omit=optional --no-audit --no-fund --loglevel=error
	node $(VIEWER)/build.mjs

## sync: index the live site SITE into var/site-index (again: only what changed)
sync: $(VENV)/.installed
	@test -n "$(SITE)" || { echo "usage: make sync SITE=https://www.example.nl" >&2; exit 2; }
	@mkdir -p var
	$(PY) -m indexer sync $(SITE) --index $(INDEX)

## run: install, index and serve on http://127.0.0.1:8000 (with SITE=https://…: sync that site, keep syncing)
run: $(if $(SITE),sync,index) $(PDFJS)
	$(PY) -m service --index $(INDEX) --host $(HOST) --port $(PORT) --corpus $(CORPUS) \
		$(if $(SITE),--site $(SITE) --sync-interval $(SYNC_INTERVAL))

## lint: ruff (lint + format check) and mypy
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

## format: apply ruff's fixes and formatting
format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## test: lint, the whole suite (browser tests included: needs Debian's chromium), then the
## in-process suite on the other supported Pythons (3.12, 3.13: noxfile.py), both at once
test: lint tests/browser/node_modules/.installed $(PDFJS)
	$(PY) -m pytest
	@$(MAKE) --no-print-directory -j2 --output-sync=target $(addprefix nox-,$(NOX_PYTHONS))

# One nox session per Python. They run side by side (a core each; their pytest temp dirs are
# numbered and locked, so they do not meet); -O prints each one's output whole when it ends.
NOX_PYTHONS := $(shell sed -n 's/^PYTHONS = \[\(.*\)\]/\1/p' noxfile.py | tr -d '",')
.PHONY: $(addprefix nox-,$(NOX_PYTHONS))
$(addprefix nox-,$(NOX_PYTHONS)): nox-%: $(VENV)/.installed
	$(VENV)/bin/nox -s fast-$*

# axe-core for the accessibility checks, pinned by tests/browser/package-lock.json
tests/browser/node_modules/.installed: tests/browser/package-lock.json
	npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
	touch $@

## bench: indexing speed, PDF pages/s, query and /suggest latency (prints numbers, asserts nothing);
## PASSAGES=100000 measures a synthetic corpus of that size instead, beside plain Whoosh
bench: $(VENV)/.installed
	$(PY) -m bench.speed $(if $(PASSAGES),--passages $(PASSAGES))

## bench-indexing: build a synthetic corpus of PASSAGES passages (default 10000): passages/s, CPU, peak RSS, reader RSS
bench-indexing: $(VENV)/.installed
	$(PY) -m bench.indexing --passages $(or $(PASSAGES),10000) --serve

## bench-relevance: nDCG@10, MRR@10, recall@10 of the baseline and the current pipeline
bench-relevance: $(VENV)/.installed
	$(PY) -m bench.relevance

clean:
	rm -rf var $(VENV) .nox service/static/pdfjs $(VIEWER)/node_modules
