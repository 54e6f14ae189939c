"""xml-processor through the real registry, including defusedxml's refusals."""

import pytest

from llmspell.tools.base import ToolContext, ToolError
from llmspell.tools.registry import ToolRegistry

DOC = """<?xml version="1.0"?>
<library xmlns:d="urn:dc">
  <book id="1"><title>Dune</title><d:year>1965</d:year></book>
  <book id="2"><title>Emma</title></book>
  <note>mixed <b>bold</b> tail</note>
</library>"""


@pytest.fixture(scope="module")
def call():
    registry = ToolRegistry.builtin()
    return lambda **params: registry.invoke("xml-processor", params, ToolContext())


def test_parse_to_element_dicts(call):
    root = call(input=DOC)["result"]
    assert root["tag"] == "library" and len(root["children"]) == 3
    book = root["children"][0]
    assert book["attributes"] == {"id": "1"}
    assert book["children"][1]["tag"] == "{urn:dc}year"
    note = root["children"][2]
    assert note["text"] == "mixed " and note["children"][0]["tail"] == " tail"


def test_find_and_findall(call):
    found = call(operation="find", input=DOC, path="book[@id='2']/title")
    assert found["found"] is True and found["result"]["text"] == "Emma"
    assert call(operation="find", input=DOC, path="magazine") == {"result": None, "found": False}
    titles = call(operation="findall", input=DOC, path=".//title")
    assert [t["text"] for t in titles["result"]] == ["Dune", "Emma"] and titles["count"] == 2


def test_find_with_namespaces(call):
    out = call(operation="find", input=DOC, path=".//d:year", namespaces={"d": "urn:dc"})
    assert out["result"]["text"] == "1965"


def test_bad_path_is_validation_error(call):
    with pytest.raises(ToolError) as err:
        call(operation="findall", input=DOC, path="book[@id=")
    assert err.value.error_type == "validation_error"
    assert "bad path" in err.value.message


def test_pretty_prints(call):
    out = call(operation="pretty", input="<a><b>1</b></a>", indent=4, xml_declaration=True)
    assert out["result"] == '<?xml version="1.0" encoding="UTF-8"?>\n<a>\n    <b>1</b>\n</a>'


def test_round_trip_through_dicts(call):
    tree = call(input=DOC)["result"]
    text = call(operation="to_xml", data=tree, indent=0)["result"]
    assert call(input=text)["result"] == tree


def test_to_xml_escapes_and_checks_structure(call):
    out = call(operation="to_xml", data={"tag": "a", "attributes": {"q": 'x"<'}, "text": "1 < 2"},
               indent=0)
    assert out["result"] == '<a q="x&quot;&lt;">1 &lt; 2</a>'
    with pytest.raises(ToolError, match="data.children.0.tag '1bad' is not an XML name"):
        call(operation="to_xml", data={"tag": "a", "children": [{"tag": "1bad"}]})
    with pytest.raises(ToolError, match="unknown key 'kids'"):
        call(operation="to_xml", data={"tag": "a", "kids": []})
    with pytest.raises(ToolError, match="must be text or a number"):
        call(operation="to_xml", data={"tag": "a", "text": ["x"]})


def test_malformed_xml_names_line_and_column(call):
    with pytest.raises(ToolError) as err:
        call(input="<a>\n  <b></a>")
    assert err.value.error_type == "validation_error"
    assert "mismatched tag at line 2, column" in err.value.message


def test_billion_laughs_refused(call):
    bomb = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<lolz>&lol3;</lolz>"""
    with pytest.raises(ToolError) as err:
        call(input=bomb)
    assert err.value.error_type == "permission_denied"
    assert "entity" in err.value.message.lower()


def test_external_entity_refused(call, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    xxe = f"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>
<r>&x;</r>"""
    with pytest.raises(ToolError) as err:
        call(input=xxe)
    assert err.value.error_type == "permission_denied"
    assert "top secret" not in err.value.message


def test_missing_params_and_schema_violation(call):
    with pytest.raises(ToolError, match="needs 'path'"):
        call(operation="findall", input=DOC)
    with pytest.raises(ToolError, match="needs 'data'"):
        call(operation="to_xml")
    with pytest.raises(ToolError) as err:
        call(input=DOC, indent=-1)
    assert err.value.error_type == "validation_error"


def test_deep_nesting_is_a_clear_error(call):
    with pytest.raises(ToolError, match="nested too deeply"):
        call(input="<a>" * 50_000 + "</a>" * 50_000)
