"""uuid-generator: random, time-based and name-based UUIDs; parsing UUID strings."""

from __future__ import annotations

import uuid

from ..base import Example, ToolContext, tool
from ._common import invalid, need

NAME = "uuid-generator"
MAX_COUNT = 1000
NAMESPACES = {"dns": uuid.NAMESPACE_DNS, "url": uuid.NAMESPACE_URL,
              "oid": uuid.NAMESPACE_OID, "x500": uuid.NAMESPACE_X500}


def _namespace(value: str) -> uuid.UUID:
    if value.lower() in NAMESPACES:
        return NAMESPACES[value.lower()]
    try:
        return uuid.UUID(value)
    except ValueError:
        raise invalid(NAME, f"namespace {value!r} is neither one of "
                            f"{sorted(NAMESPACES)} nor a UUID") from None


def _render(u: uuid.UUID, fmt: str, upper: bool) -> str:
    text = {"hyphen": str(u), "hex": u.hex, "urn": u.urn}[fmt]
    if upper:
        return text.upper() if fmt != "urn" else "urn:uuid:" + str(u).upper()
    return text


def _generate(params: dict) -> list[uuid.UUID]:
    version, count = params["version"], params["count"]
    if version in (3, 5):
        purpose = f"a version {version} UUID"
        namespace = _namespace(need(params, "namespace", NAME, purpose=purpose))
        name = need(params, "name", NAME, purpose=purpose)
        if count != 1:
            raise invalid(NAME, f"version {version} UUIDs are determined by namespace and name; "
                                "count must be 1")
        make = uuid.uuid5 if version == 5 else uuid.uuid3
        return [make(namespace, name)]
    if "namespace" in params or "name" in params:
        raise invalid(NAME, f"namespace and name apply to versions 3 and 5, not {version}")
    make = uuid.uuid4 if version == 4 else uuid.uuid1
    return [make() for _ in range(count)]


def _parse(text: str) -> dict:
    try:
        u = uuid.UUID(text.strip())
    except ValueError:
        return {"valid": False, "input": text}
    return {"valid": True, "input": text, "uuid": str(u), "hex": u.hex, "urn": u.urn,
            "version": u.version, "variant": u.variant, "is_nil": u.int == 0}


@tool(
    NAME,
    category="utility",
    description=("Generate UUIDs (version 4 random, 1 time-based, 5/3 from namespace + name) "
                 "in hyphen, hex or urn form, or parse and check a UUID string."),
    schema={
        "properties": {
            "operation": {"enum": ["generate", "parse"], "default": "generate"},
            "version": {"enum": [1, 3, 4, 5], "default": 4},
            "namespace": {"type": "string",
                          "description": "for versions 3/5: dns, url, oid, x500 or a UUID"},
            "name": {"type": "string", "description": "for versions 3/5: the name to hash"},
            "count": {"type": "integer", "minimum": 1, "maximum": MAX_COUNT, "default": 1},
            "format": {"enum": ["hyphen", "hex", "urn"], "default": "hyphen"},
            "uppercase": {"type": "boolean", "default": False},
            "input": {"type": "string", "description": "for parse: the UUID string"},
        },
        "additionalProperties": False,
    },
    examples=[
        Example({}, "one random UUID"),
        Example({"version": 5, "namespace": "dns", "name": "example.com"}, "name-based",
                {"uuid": "cfbff0d1-9375-5685-968c-48ce8b15ae17"}),
        Example({"operation": "parse", "input": "cfbff0d1-9375-5685-968c-48ce8b15ae17"},
                "inspect a UUID", {"valid": True, "version": 5}),
    ],
)
def uuid_generator(params: dict, ctx: ToolContext) -> dict:
    if params["operation"] == "parse":
        return _parse(need(params, "input", NAME, "parse"))
    rendered = [_render(u, params["format"], params["uppercase"]) for u in _generate(params)]
    return {"uuid": rendered[0], "uuids": rendered, "version": params["version"],
            "format": params["format"]}
