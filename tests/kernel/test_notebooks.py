"""nbclient runs the notebooks in examples/ on the real kernel (started from the
installed kernelspec); the outputs must be what each cell is meant to show. The
driver ``examples/run_notebook.py`` is run as the README's demo runs it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from kernel_kit import REPO, kernel_env
from nbclient import NotebookClient

EXAMPLES = REPO / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))


def _text(outputs: list) -> str:
    return "".join(o.get("text", "") for o in outputs if o.output_type == "stream")


def _only(outputs: list, kind: str) -> dict:
    found = [o for o in outputs if o.output_type == kind]
    assert len(found) == 1, f"expected one {kind}: {outputs}"
    return found[0]


# What each cell of tour.ipynb must show, by cell id.
TOUR = {
    "tour-02": lambda o: re.fullmatch(r"Hello from Lua 5\.4, with \d+ built-in tools\n",
                                      _text(o)),
    "tour-03": lambda o: _only(o, "execute_result").data["text/plain"] == "5.0",
    "tour-05": lambda o: _text(o) == "3 words\n",
    "tour-06": lambda o: _only(o, "execute_result").data["text/plain"] == '"lua-jupyter-tools"',
    "tour-08": lambda o: (_only(o, "execute_result").data["text/plain"]
                          == '"hello from a notebook"'),
    "tour-10": lambda o: _only(o, "display_data").data["text/html"] == (
        '<b>sha256</b>("llmspell") = <code>4bdc5a2dad52e599...</code>'),
    "tour-11": lambda o: "| 3 | 8.0 | 12 |" in _only(o, "display_data").data["text/markdown"],
    "tour-12": lambda o: _only(o, "display_data").data["application/json"] == {
        "project": "llmspell", "tags": ["lua", "jupyter"]},
    "tour-14": lambda o: o == [nbformat.from_dict(
        {"output_type": "stream", "name": "stdout", "text": "step 3 of 3\n"})],
    "tour-16": lambda o: "failed [execution_error]" in _text(o) and "division by zero" in _text(o),
    "tour-17": lambda o: (_only(o, "error").ename == "LuaError"
                          and "fails on purpose" in _only(o, "error").evalue),
}


def _execute(path: Path, tmp_path: Path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=60, startup_timeout=30, kernel_name="llmspell-lua",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env=kernel_env(tmp_path / "home"))
    return nb


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_example_notebook_runs(path, tmp_path):
    nb = _execute(path, tmp_path)
    assert nb.metadata["language_info"]["name"] == "lua"
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        count += 1
        assert cell.execution_count == count
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if "raises-exception" not in cell.metadata.get("tags", []):
            assert not errors, f"cell {cell.id} failed: {errors}"


def test_tour_outputs(tmp_path):
    nb = _execute(EXAMPLES / "tour.ipynb", tmp_path)
    cells = {c.id: c for c in nb.cells if c.cell_type == "code"}
    assert set(TOUR) == set(cells), "every code cell of the tour has an expectation"
    for cell_id, expect in TOUR.items():
        assert expect(cells[cell_id].outputs), f"{cell_id}: {cells[cell_id].outputs}"


def test_run_notebook_driver(tmp_path):
    out = tmp_path / "executed.ipynb"
    done = subprocess.run([sys.executable, str(EXAMPLES / "run_notebook.py"),
                           f"--output={out}"], capture_output=True, text=True, timeout=90,
                          cwd=tmp_path, env=kernel_env(tmp_path / "home"), check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "llmspell kernel start --port=0" in done.stdout
    assert "Out[2]: 5.0" in done.stdout
    assert "step 3 of 3" in done.stdout and "step 2 of 3" not in done.stdout
    assert "LuaError: [11]:1: this cell fails on purpose" in done.stdout
    assert done.stdout.rstrip().endswith(
        "instance stopped (exit status 0); connection file removed")
    executed = nbformat.read(out, as_version=4)
    assert [c.execution_count for c in executed.cells if c.cell_type == "code"] == list(
        range(1, 12))
