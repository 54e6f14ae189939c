"""jupyter_kernel_test's conformance suite against the real llmspell-lua kernel,
started by jupyter_client's KernelManager from the installed kernelspec.

Every attribute of ``KernelTests`` is filled, so no test of the suite is skipped
(``test_nothing_skipped`` checks that this stays so when the suite grows).
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path

import jupyter_kernel_test
from jupyter_client.manager import start_new_kernel
from kernel_kit import KERNEL_NAME, kernel_env


class LlmspellLuaKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = KERNEL_NAME
    language_name = "lua"
    file_extension = ".lua"

    code_hello_world = 'print("hello, world")'
    code_stderr = 'io.stderr:write("oops\\n")'
    completion_samples = (
        {"text": "pri", "matches": {"print"}},
        {"text": "string.up", "matches": {"upper"}},
        {"text": "Tool.inv", "matches": {"invoke"}},
        {"text": "coroutine.ru", "matches": {"running"}},
    )
    complete_code_samples = ("1 + 1", "x = 1", "for i = 1, 2 do print(i) end", "?print")
    incomplete_code_samples = ("for i = 1, 2 do", "function f(x)", "t = {1, 2,", "s = [[abc")
    invalid_code_samples = ("x = = 1", "1 +* 2", "end end")
    code_page_something = "?print"
    code_generate_error = 'error("boom")'
    code_execute_result = (
        {"code": "6 * 7", "result": "42"},
        {"code": "'ab' .. 'cd'", "result": '"abcd"'},
        {"code": "math.max(3, 9)", "result": "9"},
        {"code": "({1, 2, x = 3})", "result": "{1, 2, x = 3}"},
    )
    code_display_data = (
        {"code": 'display("<b>bold</b>", "text/html")', "mime": "text/html"},
        {"code": 'display({a = 1})', "mime": "application/json"},
        {"code": 'display("plain")', "mime": "text/plain"},
    )
    code_history_pattern = "math.max*"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "string.format"
    code_clear_output = 'print("x"); clear_output()'

    @classmethod
    def setUpClass(cls) -> None:
        home = Path(os.environ["JUPYTER_RUNTIME_DIR"]) / "conformance-home"
        home.mkdir(exist_ok=True)
        cls.km, cls.kc = start_new_kernel(kernel_name=cls.kernel_name, env=kernel_env(home))

    def test_nothing_skipped(self) -> None:
        """Each attribute the suite's tests read is set here (else they SkipTest)."""
        base = jupyter_kernel_test.KernelTests
        attributes = [name for name, value in vars(base).items()
                      if not name.startswith("_") and not inspect.isfunction(value)
                      and name not in ("kernel_name",)]
        for name in attributes:
            self.assertTrue(getattr(self, name), f"{name} is not set")
        self.assertEqual(self.kernel_name, KERNEL_NAME)
