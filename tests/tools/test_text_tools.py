"""text-manipulator, diff-calculator, url-encoder, and the text family's examples."""

import pytest
from llmspell.tools.base import ToolContext
from tool_kit import error_of

TEXT_TOOLS = ["text-manipulator", "diff-calculator", "template-engine", "data-validation",
              "regex-matcher", "url-encoder"]


@pytest.mark.parametrize("name", TEXT_TOOLS)
def test_examples_pass_and_metadata(registry, name):
    spec = registry.resolve(name)
    assert (spec.category, spec.security_level) == ("utility", "safe")
    reports = registry.test(name, ToolContext())
    assert reports and all(r["status"] == "ok" for r in reports), reports


# -- text-manipulator ------------------------------------------------------------
@pytest.mark.parametrize("operation, text, expected", [
    ("upper", "abc", "ABC"), ("lower", "ÀBC", "àbc"), ("reverse", "abc", "cba"),
    ("title", "they're here", "They're Here"), ("capitalize", "hELLO", "Hello"),
    ("snake_case", "parseHTTPResponse", "parse_http_response"),
    ("snake_case", "Hello World-again", "hello_world_again"),
    ("snake_case", "version2Name", "version2_name"),
    ("camel_case", "hello_world foo", "helloWorldFoo"),
    ("camelCase", "XMLHttpRequest", "xmlHttpRequest"),
    ("pascal_case", "user-id", "UserId"),
    ("kebab_case", "someValue_here", "some-value-here"),
    ("kebab-case", "Héllo Wörld", "héllo-wörld"),
    ("constant_case", "maxRetryCount", "MAX_RETRY_COUNT"),
    ("slugify", "  Héllo, Wörld! 2024 ", "hello-world-2024"),
    ("trim", "  x  ", "x"), ("strip", "\tx\n", "x"),
    ("word_count", "one two\tthree\nfour", 4), ("char_count", "héllo", 5),
    ("line_count", "a\nb\nc\n", 3), ("line_count", "", 0),
    ("split", "a b  c", ["a", "b", "c"]),
])
def test_simple_operations(call, operation, text, expected):
    assert call("text-manipulator", operation=operation, input=text)["result"] == expected


def test_operations_with_parameters(call):
    def tm(**params):
        return call("text-manipulator", **params)["result"]

    assert tm(operation="truncate", input="The quick brown fox", length=10) == "The qui..."
    assert tm(operation="truncate", input="The quick brown fox", length=13,
              word_boundary=True) == "The quick..."
    assert tm(operation="truncate", input="short", length=10) == "short"
    assert tm(operation="truncate", input="abcdef", length=4, suffix="…") == "abc…"
    assert tm(operation="replace", input="a-b-c", find="-", replacement="+") == "a+b+c"
    assert tm(operation="replace", input="a-b-c", find="-", replacement="+", count=1) == "a+b-c"
    assert tm(operation="replace", input="Cat cat CAT", find="cat", replacement="dog",
              case_sensitive=False) == "dog dog dog"
    assert tm(operation="replace", input="a\\1", find="\\1", replacement="\\2") == "a\\2"
    assert tm(operation="split", input="a,b,c", separator=",", count=1) == ["a", "b,c"]
    assert tm(operation="join", items=["a", 1, True, 2.5], separator=", ") == "a, 1, true, 2.5"
    assert tm(operation="slugify", input="A B", separator="_") == "a_b"
    assert tm(operation="wrap", input="aaa bbb ccc", width=7) == "aaa bbb\nccc"
    assert tm(operation="trim", input="--x--", characters="-", side="right") == "--x"
    assert tm(operation="stats", input="héllo world\nbye") == {
        "characters": 15, "words": 3, "lines": 2, "bytes": 16}


def test_text_manipulator_errors(call):
    err = error_of(call, "text-manipulator", operation="truncate", input="abc")
    assert err.error_type == "validation_error" and "needs parameter 'length'" in err.message
    assert "must be one of" in error_of(call, "text-manipulator", operation="shout",
                                        input="x").message
    big = error_of(call, "text-manipulator", operation="replace", input="x" * 1000, find="",
                   replacement="y" * 100_000)
    assert big.error_type == "execution_error" and "exceed" in big.message


# -- diff-calculator -----------------------------------------------------------------
def test_unified_diff_and_counts(call):
    old = "a\nb\nc\nd\ne\nf\n"
    out = call("diff-calculator", old=old, new=old.replace("b", "B") + "g\n", context=1,
               old_name="v1.txt", new_name="v2.txt")
    assert out["diff"].startswith("--- v1.txt\n+++ v2.txt\n@@ -1,3 +1,3 @@\n")
    assert "-b\n+B\n" in out["diff"] and "@@ -6 +6,2 @@\n f\n+g\n" in out["diff"]
    assert (out["lines_added"], out["lines_removed"], out["lines_unchanged"]) == (2, 1, 5)
    assert out["hunks"] == 2 and out["identical"] is False
    assert 0 < out["similarity"] < 1 and out["similarity_basis"] == "characters"


def test_diff_identical_missing_newline_and_ignores(call):
    same = call("diff-calculator", old="x\n", new="x\n")
    assert same["diff"] == "" and same["identical"] and same["similarity"] == 1.0
    tail = call("diff-calculator", old="a\nb", new="a\nc")["diff"]
    assert "\\ No newline at end of file" in tail
    loose = call("diff-calculator", old="Hello  World\n", new="hello world \n",
                 ignore_case=True, ignore_whitespace=True)
    assert loose["identical"] is True


def test_diff_similarity_falls_back_to_lines_for_large_texts(call):
    old = "".join(f"line {i}\n" for i in range(3000))
    new = old.replace("line 1500\n", "changed\n")
    out = call("diff-calculator", old=old, new=new)
    assert out["similarity_basis"] == "lines" and out["similarity"] > 0.99
    assert (out["lines_added"], out["lines_removed"]) == (1, 1)


# -- url-encoder ----------------------------------------------------------------------
def test_url_encode_decode(call):
    assert call("url-encoder", input="a b&c/é")["result"] == "a%20b%26c%2F%C3%A9"
    assert call("url-encoder", input="a b/c", safe="/", plus=True)["result"] == "a+b/c"
    assert call("url-encoder", operation="decode", input="a%20b+c")["result"] == "a b+c"
    assert call("url-encoder", operation="decode", input="a%20b+c", plus=True)["result"] == \
        "a b c"
    err = error_of(call, "url-encoder", operation="decode", input="%C3%28")
    assert err.error_type == "validation_error" and "UTF-8" in err.message


def test_queries(call):
    built = call("url-encoder", operation="build_query",
                 params={"q": "a&b c", "tag": ["x", "y"], "on": True, "n": 2.0})["result"]
    assert built == "q=a%26b%20c&tag=x&tag=y&on=true&n=2"
    parsed = call("url-encoder", operation="parse_query", input="?q=a%26b+c&tag=x&tag=y&e=")
    assert parsed["result"] == {"q": "a&b c", "tag": ["x", "y"], "e": ""}
    multi = call("url-encoder", operation="parse_query", input="a=1", multi=True)
    assert multi["result"] == {"a": ["1"]}
    assert "scalar" in error_of(call, "url-encoder", operation="build_query",
                                params={"a": {"b": 1}}).message


def test_parse_url(call):
    parts = call("url-encoder", operation="parse_url",
                 input="https://u:p@Example.com:8443/a/b?x=1&y=2#top")["result"]
    assert parts["host"] == "example.com" and parts["port"] == 8443
    assert parts["params"] == {"x": "1", "y": "2"} and parts["fragment"] == "top"
    assert "Port out of range" in error_of(call, "url-encoder", operation="parse_url",
                                           input="http://h:70000/").message
