"""regex-matcher, template-engine and data-validation: results, errors, and the
time/memory/sandbox limits that keep hostile input from hurting the kernel."""

import time

import pytest
from llmspell.tools.base import ToolContext, ToolError, ToolSettings
from llmspell.tools.registry import ToolRegistry
from llmspell.tools.text._bounded import run_bounded


@pytest.fixture(scope="module")
def call():
    registry = ToolRegistry.builtin()
    return lambda tool_name, **params: registry.invoke(tool_name, params, ToolContext())


def error_of(call, tool_name, **params) -> ToolError:
    with pytest.raises(ToolError) as err:
        call(tool_name, **params)
    return err.value


# -- the bounded runner ------------------------------------------------------------
def test_run_bounded_returns_and_reraises():
    assert run_bounded(lambda: {"x": [1, None]}, timeout=5, label="t") == {"x": [1, None]}
    with pytest.raises(ToolError) as err:
        run_bounded(lambda: (_ for _ in ()).throw(ToolError("not_found", "gone")),
                    timeout=5, label="t")
    assert (err.value.error_type, err.value.message) == ("not_found", "gone")
    with pytest.raises(ToolError) as err:
        run_bounded(lambda: 1 / 0, timeout=5, label="t")
    assert err.value.error_type == "execution_error" and "ZeroDivisionError" in err.value.message


def test_run_bounded_stops_runaway_work():
    started = time.monotonic()
    with pytest.raises(ToolError) as err:
        run_bounded(lambda: [None for _ in iter(int, 1)], timeout=0.3, label="spin")
    assert err.value.error_type == "timeout" and "0.3 s" in err.value.message
    assert time.monotonic() - started < 3


def test_run_bounded_caps_memory():
    with pytest.raises(ToolError, match="ran out of memory"):
        run_bounded(lambda: len("x" * (4 * 1024 ** 3)), timeout=10, label="big")


def test_large_results_cross_the_pipe():
    assert len(run_bounded(lambda: "y" * 3_000_000, timeout=10, label="t")) == 3_000_000


# -- regex-matcher ----------------------------------------------------------------
def test_search_with_named_groups(call):
    out = call("regex-matcher", pattern=r"(?P<user>\w+)@(?P<host>[\w.]+)", input="to bob@ex.org")
    assert out["matched"] is True
    assert out["match"] == {"text": "bob@ex.org", "start": 3, "end": 13,
                            "groups": ["bob", "ex.org"], "named": {"user": "bob", "host": "ex.org"},
                            "spans": [[3, 6], [7, 13]]}
    assert call("regex-matcher", operation="match", pattern="b", input="ab")["matched"] is False
    assert call("regex-matcher", operation="fullmatch", pattern="a.", input="ab")["matched"]


def test_findall_finditer_replace_split(call):
    def rx(**params):
        return call("regex-matcher", **params)

    assert rx(operation="findall", pattern=r"\d+", input="a1b22")["matches"] == ["1", "22"]
    assert rx(operation="findall", pattern=r"(\w)=(\d)", input="a=1 b=2")["matches"] == \
        [["a", "1"], ["b", "2"]]
    many = rx(operation="finditer", pattern=r"\w", input="abcdef", max_matches=4)
    assert many["count"] == 4 and many["truncated"] is True
    assert [m["start"] for m in many["matches"]] == [0, 1, 2, 3]
    assert rx(operation="replace", pattern=r"(?P<w>\w+)@", replacement=r"<\g<w>>",
              input="a@ b@")["result"] == "<a> <b>"
    assert rx(operation="replace", pattern="o", replacement="0", input="foo",
              count=1) == {"result": "f0o", "replacements": 1}
    assert rx(operation="split", pattern=r"[,;]\s*", input="a, b;c")["parts"] == ["a", "b", "c"]


def test_flags(call):
    assert call("regex-matcher", pattern="^b", input="a\nB", flags="im")["matched"]
    assert not call("regex-matcher", pattern="^b", input="a\nB", flags="i")["matched"]
    assert call("regex-matcher", pattern="a.b", input="a\nb", flags="s")["matched"]
    verbose = call("regex-matcher", pattern=r"\d+  # digits", input="x42", flags="x")
    assert verbose["match"]["text"] == "42"
    assert error_of(call, "regex-matcher", pattern="a", input="a",
                    flags="g").error_type == "validation_error"


@pytest.mark.parametrize("pattern, fragment", [
    ("(abc", "invalid pattern at position 0: missing ), unterminated subpattern"),
    ("a{2,1}", "at position 2: min repeat greater than max repeat"),
    ("[z-a]", "at position 1: bad character range z-a"),
    ("(?P<1>x)", "bad character in group name"),
])
def test_bad_pattern_names_the_position(call, pattern, fragment):
    err = error_of(call, "regex-matcher", pattern=pattern, input="x")
    assert err.error_type == "validation_error" and fragment in err.message


def test_bad_replacement_is_validation_error(call):
    err = error_of(call, "regex-matcher", operation="replace", pattern="(a)", input="a",
                   replacement=r"\2")
    assert err.error_type == "validation_error" and "invalid group reference" in err.message


def test_catastrophic_backtracking_times_out(call):
    started = time.monotonic()
    err = error_of(call, "regex-matcher", pattern=r"^(a+)+$", input="a" * 60 + "!", timeout=0.5)
    assert err.error_type == "timeout"
    assert time.monotonic() - started < 3


def test_time_limit_never_exceeds_the_tool_setting():
    registry = ToolRegistry.builtin()
    ctx = ToolContext(settings=ToolSettings(timeout=0.3))
    started = time.monotonic()
    with pytest.raises(ToolError) as err:
        registry.invoke("regex-matcher", {"pattern": r"(x+x+)+y", "input": "x" * 50,
                                          "timeout": 20}, ctx)
    assert err.value.error_type == "timeout" and time.monotonic() - started < 3


def test_size_caps(call):
    err = error_of(call, "regex-matcher", pattern="a" * 1001, input="a")
    assert err.error_type == "validation_error" and "pattern" in err.message


# -- template-engine ------------------------------------------------------------------
def test_render_variables_loops_filters(call):
    out = call("template-engine", template=(
        "{% for u in users %}{{ loop.index }}. {{ u.name|title }}"
        "{% if u.admin %} (admin){% endif %}\n{% endfor %}{{ users|length }} users"),
        variables={"users": [{"name": "ada lovelace", "admin": True}, {"name": "bob"}]})
    assert out["output"] == "1. Ada Lovelace (admin)\n2. Bob\n2 users"
    assert call("template-engine", template="{{ x }}", variables={"x": "<b>"},
                autoescape=True)["output"] == "&lt;b&gt;"


def test_undefined_lenient_and_strict(call):
    assert call("template-engine", template="[{{ nope }}]")["output"] == "[]"
    err = error_of(call, "template-engine", template="ok\n{{ nope }}", strict=True)
    assert err.error_type == "validation_error"
    assert "'nope' is undefined" in err.message and "line 2" in err.message


def test_syntax_error_names_the_line(call):
    err = error_of(call, "template-engine", template="a\nb\n{% if x %}never closed")
    assert err.error_type == "validation_error" and "line 3" in err.message


@pytest.mark.parametrize("template", [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''['__class__'] }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ lipsum.__globals__ }}",
    "{{ '{0.__class__}'.format(1) }}",
    "{% set l = [] %}{{ l.append(1) }}",
    "{{ (1).__class__ }}",
    "{{ x.__class__ }}",
])
def test_sandbox_escapes_are_permission_denied(call, template):
    err = error_of(call, "template-engine", template=template, variables={"x": {}})
    assert err.error_type == "permission_denied", err.message


@pytest.mark.parametrize("template, error_type, fragment", [
    ("{{ 'x' * 10**9 }}", "execution_error", "too large"),
    ("{{ 2 ** 10000000 }}", "execution_error", "too large"),
    ("{{ range(10**9)|list }}", "execution_error", "Range too big"),
    ("{{ 'a'|center(10**10) }}", "execution_error", "ran out of memory"),
    ("{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
     "timeout", "gave up"),
    ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "execution_error", "nested too deeply"),
    ("{% for i in range(50000) %}0123456789{% endfor %}", "execution_error", "max_output"),
])
def test_resource_abuse_is_bounded(call, template, error_type, fragment):
    started = time.monotonic()
    err = error_of(call, "template-engine", template=template, timeout=1, max_output=100_000)
    assert err.error_type == error_type and fragment in err.message, err.message
    assert time.monotonic() - started < 5


def test_runtime_errors_carry_the_line(call):
    err = error_of(call, "template-engine", template="\n\n{{ 1 / 0 }}")
    assert err.error_type == "execution_error" and "line 3" in err.message


# -- data-validation ---------------------------------------------------------------
SCHEMA = {
    "type": "object",
    "required": ["name", "tags"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "age": {"type": "integer", "minimum": 0},
        "email": {"type": "string", "format": "email"},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": False,
}


def test_valid_and_invalid_data(call):
    ok = call("data-validation", data={"name": "a", "tags": []}, schema=SCHEMA)
    assert ok["valid"] is True and ok["errors"] == []
    bad = call("data-validation", schema=SCHEMA,
               data={"name": "", "age": -1, "email": "nope", "tags": ["x", 2], "extra": 1})
    assert bad["valid"] is False
    by_path = {e["path"]: e for e in bad["errors"]}
    assert set(by_path) == {"$", "$.name", "$.age", "$.email", "$.tags[1]"}
    assert by_path["$.tags[1]"]["pointer"] == "/tags/1"
    assert by_path["$.tags[1]"]["keyword"] == "type"
    assert by_path["$.age"]["schema_path"] == "/properties/age/minimum"
    assert by_path["$"]["keyword"] == "additionalProperties"


def test_formats_can_be_ignored_and_errors_capped(call):
    loose = call("data-validation", data={"name": "a", "tags": [], "email": "nope"},
                 schema=SCHEMA, check_formats=False)
    assert loose["valid"] is True
    capped = call("data-validation", data=list(range(50)),
                  schema={"items": {"type": "string"}}, max_errors=5)
    assert capped["error_count"] == 5 and capped["truncated"] is True


def test_drafts_and_refs(call):
    draft4 = {"$schema": "http://json-schema.org/draft-04/schema#",
              "definitions": {"pos": {"type": "number", "minimum": 0, "exclusiveMinimum": True}},
              "properties": {"n": {"$ref": "#/definitions/pos"}}}
    out = call("data-validation", data={"n": 0}, schema=draft4)
    assert out["valid"] is False and out["draft"] == "Draft4Validator"


@pytest.mark.parametrize("schema, fragment", [
    ({"type": "strng"}, "invalid schema at /type"),
    ({"properties": {"a": {"minimum": "zero"}}}, "invalid schema at /properties/a/minimum"),
    ({"$schema": "https://example.com/my-draft"}, "unknown $schema"),
    ({"$ref": "http://169.254.169.254/latest/meta-data"}, "cannot be resolved"),
])
def test_bad_schemas_are_validation_errors(call, schema, fragment):
    err = error_of(call, "data-validation", data=1, schema=schema)
    assert err.error_type == "validation_error" and fragment in err.message


def test_hostile_schema_pattern_times_out(call):
    err = error_of(call, "data-validation", data="a" * 60 + "!",
                   schema={"pattern": "^(a+)+$"}, timeout=0.5)
    assert err.error_type == "timeout"
