"""llmspell: scriptable LLM tooling (Lua + built-in tools) served as a Jupyter kernel."""

__version__ = "0.1.0"
