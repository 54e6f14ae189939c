"""Fixtures for the gateway tests: the REAL ``llmspell-gateway --port=P
--connection-file=F`` in its default mode (it starts and supervises its own
``llmspell-kernel --link`` child), driven by jupyter_client's BlockingKernelClient
over loopback.

Every gateway gets its own short LLMSPELL_HOME (see ``gateway_kit.short_home``) and a
fresh base port; every fixture stops (TERM, then KILL of the whole process group) and
reaps what it started, also when the test failed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from gateway_kit import GatewayProcess, new_client, remove_home, short_home
from process_kit import free_base_port


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's report on the item (``spawn`` prints logs on failure)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def homes():
    """``homes()`` -> a new short LLMSPELL_HOME, removed at teardown."""
    made: list[Path] = []

    def make() -> Path:
        made.append(short_home())
        return made[-1]

    yield make
    for home in made:
        remove_home(home)


@pytest.fixture
def spawn(homes, request):
    """``spawn(*extra, home=None, port=None, wait=True)`` -> GatewayProcess (started and,
    with ``wait``, its connection file written); all are stopped at teardown, and
    their logs printed if the test failed."""
    started: list[GatewayProcess] = []

    def start(*extra: str, home: Path | None = None, port: int | None = None,
              wait: bool = True) -> GatewayProcess:
        home = home or homes()
        for attempt in range(3):
            gw = GatewayProcess(home, port or free_base_port(), *extra,
                                log_name=f"gateway-{len(started)}.log")
            started.append(gw)
            if not wait:
                return gw
            try:
                gw.wait_started()
                return gw
            except AssertionError:
                # Another program may have taken a port we picked meanwhile: pick again.
                if port is not None or attempt == 2 or "cannot bind" not in gw.log():
                    raise
        raise AssertionError("unreachable")

    yield start
    for gw in started:
        gw.stop()
    failed = any(getattr(getattr(request.node, f"rep_{when}", None), "failed", False)
                 for when in ("setup", "call"))
    if failed:
        for gw in started:
            print(f"--- {gw.log_path} (exit status {gw.proc.returncode}) ---\n{gw.log()}")


@pytest.fixture
def gateway(spawn) -> GatewayProcess:
    return spawn()


@pytest.fixture
def clients():
    """``clients(connection_file)`` -> a ready BlockingKernelClient; closed at teardown."""
    opened = []

    def connect(connection_file: Path):
        kc = new_client(connection_file)
        opened.append(kc)
        return kc

    yield connect
    for kc in opened:
        kc.stop_channels()


@pytest.fixture
def client(gateway, clients):
    return clients(gateway.connection_file)
