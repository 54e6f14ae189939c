"""url-encoder: percent-encoding, query strings and URL parts."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, quote_plus, unquote, unquote_plus, urlencode, urlsplit

from ..base import Example, ToolContext, tool
from ..utility._common import invalid, need

NAME = "url-encoder"
MAX_INPUT = 1024 * 1024


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def build_query(params: dict, plus: bool) -> str:
    """{a = 1, tags = {"x", "y"}} -> 'a=1&tags=x&tags=y' (keys in the order given)."""
    pairs = []
    for key, value in params.items():
        if value is None:
            continue
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, (dict, list)) for v in values):
            raise invalid(NAME, f"query value for {key!r} must be a scalar or a list of scalars")
        pairs += [(key, _scalar(v)) for v in values]
    return urlencode(pairs, quote_via=quote_plus if plus else quote)


def parse_query(text: str, multi: bool) -> dict:
    """'a=1&b=2&b=3' -> {a = "1", b = {"2", "3"}}; with multi every value is a list.
    As in every form-encoded query, '+' means a space."""
    query = text.removeprefix("?")
    try:
        pairs = parse_qsl(query, keep_blank_values=True, errors="strict", max_num_fields=10_000)
    except (UnicodeDecodeError, ValueError) as exc:
        raise invalid(NAME, f"cannot parse query string: {exc}") from None
    result: dict = {}
    for key, value in pairs:
        if multi:
            result.setdefault(key, []).append(value)
        elif key in result:
            previous = result[key]
            result[key] = (previous if isinstance(previous, list) else [previous]) + [value]
        else:
            result[key] = value
    return result


def parse_url(text: str) -> dict:
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise invalid(NAME, f"cannot parse URL: {exc}") from None
    return {"scheme": parts.scheme, "username": parts.username, "password": parts.password,
            "host": parts.hostname, "port": port, "path": parts.path, "query": parts.query,
            "fragment": parts.fragment, "params": parse_query(parts.query, False)}


def _decode(text: str, plus: bool) -> str:
    try:
        return (unquote_plus if plus else unquote)(text, errors="strict")
    except UnicodeDecodeError as exc:
        raise invalid(NAME, f"percent-escapes do not decode as UTF-8 near position "
                            f"{exc.start}") from None


@tool(
    NAME,
    category="utility",
    description=("Percent-encode or decode URL components and form values, build a query "
                 "string from an object, parse a query string into an object, or split a URL "
                 "into its parts."),
    schema={
        "properties": {
            "operation": {"enum": ["encode", "decode", "build_query", "parse_query",
                                   "parse_url"], "default": "encode"},
            "input": {"type": "string", "maxLength": MAX_INPUT},
            "params": {"type": "object", "description": "build_query: names to values or lists"},
            "safe": {"type": "string", "default": "", "maxLength": 100,
                     "description": "encode: characters left as they are (e.g. '/')"},
            "plus": {"type": "boolean", "default": False,
                     "description": "form encoding: space as '+' (encode, decode, build_query)"},
            "multi": {"type": "boolean", "default": False,
                      "description": "parse_query: every value is a list"},
        },
        "additionalProperties": False,
    },
    examples=[
        Example({"input": "a b&c/d"}, "encode a component", {"result": "a%20b%26c%2Fd"}),
        Example({"operation": "decode", "input": "caf%C3%A9%20au%20lait"}, "decode",
                {"result": "café au lait"}),
        Example({"operation": "build_query", "params": {"q": "lua tools", "page": 2}},
                "build a query", {"result": "q=lua%20tools&page=2"}),
        Example({"operation": "parse_query", "input": "?a=1&b=x&b=y"}, "parse a query",
                {"result": {"a": "1", "b": ["x", "y"]}}),
    ],
)
def url_encoder(params: dict, ctx: ToolContext) -> dict:
    operation, plus = params["operation"], params["plus"]
    if operation == "build_query":
        return {"result": build_query(need(params, "params", NAME, operation), plus)}
    text = need(params, "input", NAME, operation)
    if operation == "encode":
        encode = quote_plus if plus else quote
        return {"result": encode(text, safe=params["safe"])}
    if operation == "decode":
        return {"result": _decode(text, plus)}
    if operation == "parse_query":
        return {"result": parse_query(text, params["multi"])}
    return {"result": parse_url(text)}
