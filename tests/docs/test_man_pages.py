"""The man pages in man/ keep step with the executables and the configuration.

- Every long and short option and every command of each executable's docopt usage
  (the real ``__doc__`` of its entry module, read at test time) is documented in the
  matching man page: options as the tag of an item (``.TP``), commands in the
  SYNOPSIS and, as whole command paths (``kernel enable``), in COMMANDS.
- Every key of ``config.SCHEMA`` is an item of its ``[section]`` in llmspell.toml(5),
  with its type and its default as TOML.
- Every page renders without a groff warning (``groff -man -Tutf8 -ww -z``).
- Headers carry the package version; NAME matches the file; llmspell cross-references
  in SEE ALSO point to pages that exist.

The man sources are read with a small roff reader (the man(7) macros these pages use),
so the first two checks need no groff.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAN = ROOT / "man"

# executable -> (module, attribute holding its docopt usage, man page)
EXECUTABLES = {
    "llmspell": ("llmspell.cli.main", "__doc__", "llmspell.1"),
    "llmspell-kernel": ("llmspell.kernel.main", "__doc__", "llmspell-kernel.8"),
    "llmspell-gateway": ("llmspell.gateway.main", "__doc__", "llmspell-gateway.8"),
    "llmspell-logrotate": ("llmspell.logrotate.options", "USAGE", "llmspell-logrotate.1"),
}
PAGES = sorted(p.name for p in MAN.glob("*.[1-8]"))


# --- a small reader of man(7) sources ----------------------------------------------------

ALTERNATING = {"BR", "BI", "IB", "IR", "RB", "RI"}
JOINED = {"B", "I", "SB", "SM", "SH", "SS", "TH"}
TAGGED = {"TP", "TQ"}
ESCAPES = {r"\-": "-", r"\(aq": "'", r"\(dq": '"', r"\(em": "\u2014", r"\(en": "\u2013",
           r"\(mu": "\u00d7", r"\(bu": "\u2022", r"\(lq": '"', r"\(rq": '"', r"\e": "\\",
           r"\&": "", r"\ ": " ", r"\~": " ", r"\|": "", r"\^": "", r"\:": ""}


def _macro_args(text: str) -> list[str]:
    """Arguments of a request line: blank-separated, double quotes group ("" is a ")."""
    args, i = [], 0
    while i < len(text):
        if text[i] in " \t":
            i += 1
            continue
        if text[i] == '"':
            i += 1
            arg = []
            while i < len(text):
                if text[i] == '"':
                    if text[i + 1:i + 2] == '"':
                        arg.append('"')
                        i += 2
                        continue
                    i += 1
                    break
                arg.append(text[i])
                i += 1
            args.append("".join(arg))
        else:
            j = i
            while j < len(text) and text[j] not in " \t":
                j += 1
            args.append(text[i:j])
            i = j
    return args


def _plain(text: str) -> str:
    """Roff escapes to plain text (font changes dropped)."""
    text = re.sub(r"\\f(\[[^\]]*\]|\(..|.)", "", text)
    for escape, plain in ESCAPES.items():
        text = text.replace(escape, plain)
    return text


@dataclass
class Item:
    """One ``.TP`` item: where it is, its tag and its body, as plain text."""

    section: str
    subsection: str
    tag: str
    body: str = ""


@dataclass
class Page:
    """A man page read into plain text, by section, with its items."""

    name: str
    header: list[str] = field(default_factory=list)
    sections: dict[str, str] = field(default_factory=dict)
    subsections: dict[str, str] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(self.sections.values())

    def tags(self) -> list[str]:
        return [item.tag for item in self.items]


def read_page(path: Path) -> Page:
    page = Page(path.name)
    section = subsection = ""
    want_tag = False
    item: Item | None = None
    pending = ""  # text of a line ending in \c, joined to the next one

    def emit(text: str) -> None:
        nonlocal want_tag, item, pending
        if text.endswith("\\c"):
            pending += text[:-2]
            return
        text, pending = _plain(pending + text), ""
        page.sections[section] = page.sections.get(section, "") + " " + text
        if subsection:
            page.subsections[subsection] += " " + text
        if want_tag:
            item = Item(section, subsection, " ".join(text.split()))
            page.items.append(item)
            want_tag = False
        elif item is not None:
            item.body += " " + text

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = re.sub(r'\\".*', "", raw) if not raw.startswith(('.\\"', "'\\\"")) else ""
        if not line.strip() and raw.strip():
            continue  # a comment
        if line[:1] in ".'":
            macro, _, rest = line[1:].strip().partition(" ")
            args = _macro_args(rest)
            if macro == "TH":
                page.header = args
            elif macro == "SH":
                section, subsection, item = " ".join(args), "", None
                page.sections.setdefault(section, "")
            elif macro == "SS":
                subsection, item = " ".join(args), None
                page.subsections.setdefault(subsection, "")
            elif macro in TAGGED:
                want_tag, item = True, None
            elif macro in ("PP", "P", "LP", "RE"):
                item = None
            elif macro in ALTERNATING:
                emit("".join(args))
            elif macro in JOINED:
                emit(" ".join(args))
            # other requests (.IP, .RS, .nf, .br, .UR ...) carry no text we check
        else:
            emit(line)
    return page


_PAGES: dict[str, Page] = {}


def page(name: str) -> Page:
    if name not in _PAGES:
        _PAGES[name] = read_page(MAN / name)
    return _PAGES[name]


def mentions(text: str, word: str) -> bool:
    """``word`` (an option or a command phrase) occurs in ``text`` as a whole token."""
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None


# --- the docopt usage of the executables ---------------------------------------------------

def usage_text(executable: str) -> str:
    module, attribute, _ = EXECUTABLES[executable]
    text = getattr(importlib.import_module(module), attribute)
    assert text and "Usage:" in text, f"{module}.{attribute} holds no docopt usage"
    return text


def usage_lines(executable: str) -> list[str]:
    """The command forms of the usage block (continuation lines joined)."""
    block = usage_text(executable).split("Usage:", 1)[1].split("\n\n", 1)[0]
    forms: list[str] = []
    for line in block.splitlines():
        if line.strip().startswith(executable + " ") or line.strip() == executable:
            forms.append(line.strip())
        elif line.strip() and forms:
            forms[-1] += " " + line.strip()
    return forms


def long_options(executable: str) -> set[str]:
    """Every --option of the whole usage text (the Options: lists feed [options])."""
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", usage_text(executable)))


def short_options(executable: str) -> set[str]:
    return set(re.findall(r"(?<![\w-])(-[a-zA-Z])(?![\w-])", usage_text(executable)))


def command_paths(executable: str) -> set[tuple[str, ...]]:
    """The command words leading each usage form, alternatives expanded:
    ``kernel (enable | disable) ...`` gives ("kernel", "enable") and ("kernel", "disable")."""
    found: set[tuple[str, ...]] = set()
    token = re.compile(r"\((?P<alts>[a-z][a-z0-9-]*(?:\s*\|\s*[a-z][a-z0-9-]*)+)\)"
                       r"|(?P<word>[a-z][a-z0-9-]*)(?=\s|$)|(?P<other>\S+)")
    for form in usage_lines(executable):
        paths: list[tuple[str, ...]] = [()]
        for match in token.finditer(form[len(executable):]):
            if match["other"]:
                break
            words = [w.strip() for w in match["alts"].split("|")] if match["alts"] \
                else [match["word"]]
            paths = [p + (w,) for p in paths for w in words]
        found.update(p for p in paths if p)
    return found


# --- 1. options and commands are documented ------------------------------------------------

@pytest.mark.parametrize("executable", sorted(EXECUTABLES))
def test_every_option_is_an_item_of_the_man_page(executable):
    man = page(EXECUTABLES[executable][2])
    options = long_options(executable) | short_options(executable)
    assert options, f"no options found in the usage of {executable}"
    tags = man.tags()
    missing = sorted(o for o in options if not any(mentions(tag, o) for tag in tags))
    assert not missing, (f"{man.name} documents no item (.TP) for these options of "
                         f"{executable}: {', '.join(missing)}")


@pytest.mark.parametrize("executable", [e for e in sorted(EXECUTABLES) if command_paths(e)])
def test_every_command_is_in_synopsis_and_commands(executable):
    man = page(EXECUTABLES[executable][2])
    paths = command_paths(executable)
    synopsis = man.sections.get("SYNOPSIS", "")
    commands = man.sections.get("COMMANDS", "")
    assert commands, f"{man.name} has no COMMANDS section, but {executable} has commands"
    missing_words = sorted({w for p in paths for w in p if not mentions(synopsis, w)})
    assert not missing_words, f"{man.name} SYNOPSIS lacks the commands {missing_words}"
    missing = sorted(" ".join(p) for p in paths if not mentions(commands, " ".join(p)))
    assert not missing, f"{man.name} COMMANDS does not describe: {', '.join(missing)}"


@pytest.mark.parametrize("executable", sorted(EXECUTABLES))
def test_every_usage_form_is_in_the_synopsis(executable):
    """Each usage line's command path, then its options, appear in the SYNOPSIS."""
    man = page(EXECUTABLES[executable][2])
    synopsis = man.sections.get("SYNOPSIS", "")
    assert mentions(synopsis, executable)
    for form in usage_lines(executable):
        for option in re.findall(r"(?<![\w-])(--?[a-zA-Z][a-z0-9-]*)", form):
            assert mentions(synopsis, option), \
                f"{man.name} SYNOPSIS lacks {option} of the usage form: {form}"


def test_the_reader_sees_what_it_must():
    """Guard the checks above against a reader that finds nothing."""
    man = page("llmspell.1")
    assert ("kernel", "enable") in command_paths("llmspell")
    assert ("tool", "list") in command_paths("llmspell")
    assert ("reload",) in command_paths("llmspell-gateway")
    assert not command_paths("llmspell-kernel")
    assert {"--config", "--format", "--params", "--prefix"} <= long_options("llmspell")
    assert "-f" in short_options("llmspell-kernel")
    assert "--port=PORT" in " ".join(man.tags())
    assert not mentions("--port-file", "--port") and mentions("[--port=P]", "--port")


# --- 2. the configuration keys are documented ----------------------------------------------

def _schema():
    from llmspell import config

    return config


def test_every_config_key_is_documented_with_type_and_default():
    config = _schema()
    man = page("llmspell.toml.5")
    problems = []
    for section, keys in config.SCHEMA.items():
        heading = f"[{section}]"
        if heading not in man.subsections:
            problems.append(f"no subsection .SS {heading}")
            continue
        items = {i.tag: i for i in man.items if i.subsection == heading}
        for key, (kind, default, _doc) in keys.items():
            item = items.get(key)
            if item is None:
                problems.append(f"{section}.{key}: no item (.TP) in {heading}")
                continue
            type_name = config._type_name(kind)
            if f"({type_name}" not in item.body:
                problems.append(f"{section}.{key}: type '({type_name}' not stated")
            value = config._toml_value(default)
            if f"Default: {value}" not in " ".join(item.body.split()):
                problems.append(f"{section}.{key}: default 'Default: {value}' not stated")
    extra = {i.tag for i in man.items if i.subsection.startswith("[")} - \
        {k for keys in config.SCHEMA.values() for k in keys}
    if extra:
        problems.append(f"documented keys that SCHEMA lacks: {sorted(extra)}")
    assert not problems, "llmspell.toml.5 is out of step with config.SCHEMA:\n  " + \
        "\n  ".join(problems)


def test_every_config_key_appears_in_the_config_page():
    config = _schema()
    text = page("llmspell.toml.5").text
    missing = [f"{s}.{k}" for s, keys in config.SCHEMA.items() for k in keys
               if not mentions(text, k)]
    assert not missing, f"llmspell.toml.5 does not mention {missing}"


# --- 3. pages render cleanly; headers and cross-references ---------------------------------

@pytest.mark.parametrize("name", PAGES)
def test_page_renders_without_warnings(name):
    groff = shutil.which("groff")
    if groff is None:
        pytest.skip("groff is not installed (Debian: apt-get install groff-base); "
                    "cannot check that the page renders without warnings")
    proc = subprocess.run([groff, "-man", "-Tutf8", "-ww", "-z", str(MAN / name)],
                          check=False, capture_output=True, text=True, timeout=30,
                          env={**os.environ, "LC_ALL": "C.UTF-8"})
    assert proc.returncode == 0 and proc.stderr == "", \
        f"groff warns about {name}:\n{proc.stderr}"


@pytest.mark.parametrize("name", PAGES)
def test_header_and_name(name):
    from llmspell import __version__

    man = page(name)
    stem, section = name.rsplit(".", 1)
    assert len(man.header) >= 4, f"{name}: .TH needs title, section, date, source"
    assert man.header[0] == stem.upper() and man.header[1] == section, \
        f"{name}: .TH {man.header[:2]} does not match the file name"
    assert man.header[3] == f"llmspell {__version__}", \
        f"{name}: .TH source is {man.header[3]!r}, the package is llmspell {__version__}"
    name_line = man.sections.get("NAME", "").split()
    assert name_line[:2] == [stem, "-"], f"{name}: NAME must read '{stem} \\- ...'"
    for required in ("NAME", "SYNOPSIS", "DESCRIPTION", "SEE ALSO"):
        assert required in man.sections, f"{name}: no {required} section"


@pytest.mark.parametrize("name", PAGES)
def test_llmspell_cross_references_exist(name):
    text = page(name).text
    refs = set(re.findall(r"(?<![\w.-])(llmspell[\w.-]*)\((\d)\)", text))
    dangling = sorted(f"{n}({s})" for n, s in refs if not (MAN / f"{n}.{s}").is_file())
    assert not dangling, f"{name} refers to pages that do not exist: {dangling}"
