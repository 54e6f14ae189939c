# llmspell developer entry points. On a fresh Debian 12 machine (as root):
#   make demo   - set everything up, then run a notebook through a kernel instance
#   make test   - set everything up, then run the whole test suite
# Both are idempotent; set-up is skipped when nothing changed.

VENV     ?= .venv
PYTHON   ?= python3
PY       := $(VENV)/bin/python
STAMP    := $(VENV)/.installed
APT_PKGS := libsystemd-dev pkg-config gcc tmux procps groff-base systemd dbus openssl util-linux
PYTEST_ARGS ?=

.PHONY: setup system-deps demo tour test bench clean

setup: $(STAMP)

system-deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if ! $(PYTHON) -c 'import venv, ensurepip' >/dev/null 2>&1; then missing="$$missing python3-venv python3-dev"; fi; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory system-deps
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test,systemd]'
	touch $(STAMP)

demo: setup
	$(PY) examples/run_notebook.py examples/tour.ipynb

tour: setup
	$(VENV)/bin/llmspell run examples/tour.lua

test: setup
	$(PY) -m pytest -q $(PYTEST_ARGS)

bench: setup
	$(PY) benchmarks/runtime.py
	$(PY) benchmarks/kernel_latency.py --quick
	$(PY) benchmarks/daemon.py
	$(PY) benchmarks/logrotate.py

clean:
	rm -rf $(VENV) build *.egg-info
