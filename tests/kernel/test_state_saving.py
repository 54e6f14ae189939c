"""State is saved periodically by a running kernel in every mode, not only by daemons:
a foreground standalone kernel writes its state file while it keeps running."""

from __future__ import annotations

import json
import time

from jupyter_kit import run_cell


def test_running_kernel_saves_state_periodically(standalone, tmp_path):
    config = tmp_path / "llmspell.toml"
    config.write_text("[kernel]\nstate_save_interval = 0.2\n")
    kernel = standalone(f"--config={config}", "--id=periodic")
    kc = kernel.client()
    try:
        reply, _ = run_cell(kc, 'State.set("answer", 42)')
        assert reply["content"]["status"] == "ok"
        state_file = kernel.dir / "home" / "state" / "periodic.json"
        deadline = time.monotonic() + 5
        while not (state_file.exists() and "answer" in state_file.read_text()):
            assert time.monotonic() < deadline, f"no periodic save: {kernel.log()}"
            time.sleep(0.05)
        assert kernel.proc.poll() is None  # saved while running, not at shutdown
        assert json.loads(state_file.read_text())["scopes"]["global"]["answer"] == 42
    finally:
        kc.stop_channels()
