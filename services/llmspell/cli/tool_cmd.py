"""``llmspell tool ...``: tool commands sent as ``tool_request`` to the in-process kernel."""

from __future__ import annotations

import json
import sys

from .output import CliError, print_json, print_table
from .run_cmd import make_kernel


def _params(text: str) -> dict:
    import pyjson5

    try:
        value = pyjson5.decode(text)
    except Exception as exc:  # pyjson5 raises its own Json5 exception family
        raise CliError(f"--params is not valid JSON5: {exc}", 2) from None
    if not isinstance(value, dict):
        raise CliError("--params must be an object, e.g. \"{input: '2+2'}\"", 2)
    return value


def _content(args: dict) -> dict:
    if args["list"]:
        return {"command": "list", "category": args["--category"]}
    if args["info"]:
        return {"command": "info", "name": args["NAME"]}
    if args["invoke"]:
        return {"command": "invoke", "name": args["NAME"], "params": _params(args["--params"])}
    if args["search"]:
        return {"command": "search", "query": " ".join(args["QUERY"])}
    return {"command": "test", "name": args["NAME"]}


def run(args: dict) -> int:
    content = _content(args)
    reply = make_kernel(args).request("tool_request", content)
    as_json = args["--format"] == "json"
    if reply["status"] != "ok":
        if as_json:
            print_json(reply)
        sys.stderr.write(f"error: {reply['message']} [{reply['error_type']}]\n")
        return 1
    reply.pop("status")
    if as_json:
        print_json(reply["result"] if content["command"] == "invoke" else reply)
    else:
        _print_human(content["command"], reply)
    if content["command"] == "test" and not reply["passed"]:
        return 1
    return 0


def _print_human(command: str, reply: dict) -> None:
    if command in ("list", "search"):
        rows = [[t["name"], t["category"], t["security_level"], t["description"]]
                for t in reply["tools"]]
        print_table(rows, ["NAME", "CATEGORY", "LEVEL", "DESCRIPTION"])
        sys.stdout.write(f"\n{len(rows)} tools\n")
    elif command == "info":
        tool = reply["tool"]
        sys.stdout.write(f"{tool['name']} ({tool['category']}, {tool['security_level']})\n")
        if tool["aliases"]:
            sys.stdout.write(f"aliases: {', '.join(tool['aliases'])}\n")
        sys.stdout.write(f"\n{tool['description']}\n\nParameters:\n")
        props = tool["parameters"].get("properties", {})
        required = set(tool["parameters"].get("required", []))
        for name, spec in props.items():
            kind = spec.get("type", "any")
            flag = "required" if name in required else f"default {json.dumps(spec['default'])}" \
                if "default" in spec else "optional"
            doc = spec.get("description", "")
            sys.stdout.write(f"  {name:<18} {str(kind):<10} {flag:<22} {doc}\n")
        for example in tool["examples"]:
            sys.stdout.write(f"\nExample: {example['description']}\n  "
                             f"llmspell tool invoke {tool['name']} --params='{json.dumps(example['params'])}'\n")
    elif command == "invoke":
        print_json(reply["result"])
    else:
        for report in reply["examples"]:
            mark = "ok" if report["status"] == "ok" else "FAILED"
            how = "ran" if report["ran"] else "validated"
            detail = f": {report['error']}" if report["status"] != "ok" else ""
            sys.stdout.write(f"  example {report['example']} ({how}) {mark}{detail}\n")
        sys.stdout.write(f"{reply['tool']}: {'passed' if reply['passed'] else 'FAILED'}\n")
