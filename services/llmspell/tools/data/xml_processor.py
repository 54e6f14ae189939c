"""xml-processor: XML <-> element dicts, ElementTree path queries, pretty printing.

Parsing goes through ``defusedxml`` only: entity declarations (billion laughs) and
external references (XXE) are refused. An element becomes
``{"tag", "attributes", "text", "children"}`` (plus ``"tail"`` when it has text after it).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from ..base import Example, ToolContext, ToolError, tool
from ._common import check_size, json_type

NAME = "xml-processor"
_TAG = re.compile(r"(\{[^}]*\})?[^\W\d][\w.\-]*(:[^\W\d][\w.\-]*)?")


def parse_xml(text: str) -> ET.Element:
    """The root element, parsed by defusedxml with entities and external references off."""
    import defusedxml
    import defusedxml.ElementTree as DET

    try:
        return DET.fromstring(text, forbid_dtd=False, forbid_entities=True,
                              forbid_external=True)
    except defusedxml.DefusedXmlException as exc:
        raise ToolError("permission_denied",
                        f"{NAME}: refusing the document: it {_danger(exc)}; entity "
                        f"declarations and external references are not allowed "
                        f"(billion laughs, XXE)") from None
    except ET.ParseError as exc:
        line, column = exc.position
        reason = str(exc).split(":")[0]
        raise ToolError("validation_error", f"{NAME}: input is not well-formed XML: {reason} "
                                            f"at line {line}, column {column + 1}") from None


def _danger(exc: Exception) -> str:
    """What a defusedxml refusal found, in words."""
    name, sysid = getattr(exc, "name", None), getattr(exc, "sysid", None)
    if name:
        return f"declares the entity '{name}'" + (f" pointing at {sysid}" if sysid else "")
    if sysid:
        return f"refers to the external resource {sysid}"
    return "has a forbidden DTD"


def _clean(text: str | None) -> str | None:
    return text if text and text.strip() else None


def to_dict(element: ET.Element) -> dict:
    """An element and its subtree as plain data."""
    node = {"tag": element.tag, "attributes": dict(element.attrib),
            "text": _clean(element.text), "children": [to_dict(c) for c in element]}
    if _clean(element.tail):
        node["tail"] = element.tail
    return node


def from_dict(node: Any, where: str = "data") -> ET.Element:
    """Build an element from the dict form; errors name the offending place."""
    if not isinstance(node, dict) or not isinstance(node.get("tag"), str):
        raise ToolError("validation_error", f"{NAME}: {where} must be an object with a 'tag' "
                                            f"string, got {json_type(node)}")
    extra = set(node) - {"tag", "attributes", "text", "tail", "children"}
    if extra:
        raise ToolError("validation_error", f"{NAME}: {where} has unknown key "
                                            f"'{sorted(extra)[0]}'")
    if not _TAG.fullmatch(node["tag"]):
        raise ToolError("validation_error", f"{NAME}: {where}.tag {node['tag']!r} is not an "
                                            f"XML name")
    attributes = node.get("attributes") or {}
    children = node.get("children") or []
    if not isinstance(attributes, dict) or not isinstance(children, list):
        raise ToolError("validation_error", f"{NAME}: {where}: 'attributes' must be an object "
                                            f"and 'children' a list")
    element = ET.Element(node["tag"], {str(k): _scalar(v, f"{where}.attributes.{k}")
                                       for k, v in attributes.items()})
    element.text = _scalar(node.get("text"), f"{where}.text")
    element.tail = _scalar(node.get("tail"), f"{where}.tail")
    element.extend([from_dict(c, f"{where}.children.{i}") for i, c in enumerate(children)])
    return element


def _scalar(value: Any, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    raise ToolError("validation_error", f"{NAME}: {where} must be text or a number, "
                                        f"got {json_type(value)}")


def serialize(root: ET.Element, indent: int, declaration: bool) -> str:
    """XML text of an element, indented when ``indent`` > 0."""
    if indent:
        ET.indent(root, space=" " * indent)
    text = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + text) if declaration else text


def _search(root: ET.Element, operation: str, path: str, namespaces: dict) -> dict:
    try:
        if operation == "find":
            found = root.find(path, namespaces)
            return {"result": to_dict(found) if found is not None else None,
                    "found": found is not None}
        matches = [to_dict(e) for e in root.findall(path, namespaces)]
        return {"result": matches, "count": len(matches)}
    except (SyntaxError, KeyError, TypeError) as exc:
        reason = "incomplete expression" if isinstance(exc, TypeError) else exc
        raise ToolError("validation_error", f"{NAME}: bad path {path!r}: {reason}") from None


@tool(NAME, category="data",
      description="Parse XML safely (defusedxml; entities and external references refused) "
                  "into element dicts and back, find elements with ElementTree paths, "
                  "pretty-print.",
      schema={
          "properties": {
              "operation": {"enum": ["parse", "find", "findall", "pretty", "to_xml"],
                            "default": "parse"},
              "input": {"type": "string", "description": "XML text"},
              "data": {"type": "object", "description": "element dict (to_xml)"},
              "path": {"type": "string", "minLength": 1,
                       "description": "ElementTree path relative to the root, e.g. './/item'"},
              "namespaces": {"type": "object", "additionalProperties": {"type": "string"},
                             "description": "prefix -> namespace URI, for paths"},
              "indent": {"type": "integer", "minimum": 0, "maximum": 8, "default": 2},
              "xml_declaration": {"type": "boolean", "default": False},
          },
          "additionalProperties": False,
      },
      examples=[
          Example({"input": '<note id="7"><to>ann</to></note>'}, "XML text to an element dict",
                  expect={"result": {"tag": "note", "attributes": {"id": "7"}, "text": None,
                                     "children": [{"tag": "to", "attributes": {}, "text": "ann",
                                                   "children": []}]}}),
          Example({"operation": "findall", "input": "<a><b>1</b><c><b>2</b></c></a>",
                   "path": ".//b"}, "every <b> element, at any depth", expect={"count": 2}),
          Example({"operation": "to_xml", "data": {"tag": "p", "text": "hi"}, "indent": 0},
                  "an element dict to XML text", expect={"result": "<p>hi</p>"}),
      ])
def run(params: dict, ctx: ToolContext) -> dict:
    """Parse, query, pretty-print or build XML."""
    try:
        return _run(params, ctx)
    except RecursionError:
        raise ToolError("validation_error", f"{NAME}: document is nested too deeply") from None


def _run(params: dict, ctx: ToolContext) -> dict:
    operation = params["operation"]
    if operation == "to_xml":
        if "data" not in params:
            raise ToolError("validation_error", f"{NAME}: to_xml needs 'data' (an element dict)")
        root = from_dict(params["data"])
        return {"result": serialize(root, params["indent"], params["xml_declaration"])}
    if "input" not in params:
        raise ToolError("validation_error", f"{NAME}: operation '{operation}' needs 'input' "
                                            f"(XML text)")
    check_size(NAME, params["input"], ctx)
    root = parse_xml(params["input"])
    if operation == "parse":
        return {"result": to_dict(root)}
    if operation == "pretty":
        return {"result": serialize(root, params["indent"] or 2, params["xml_declaration"])}
    if "path" not in params:
        raise ToolError("validation_error", f"{NAME}: operation '{operation}' needs 'path'")
    return _search(root, operation, params["path"], params.get("namespaces", {}))
