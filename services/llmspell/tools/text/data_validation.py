"""data-validation: check a JSON value against a user-supplied JSON Schema.

The draft comes from ``$schema`` (default 2020-12). References resolve only
inside the schema and to the published metaschemas: nothing is fetched from the
network. Validation runs bounded, since a schema ``pattern`` is a regular
expression chosen by the caller.
"""

from __future__ import annotations

from itertools import islice

from ..base import Example, ToolContext, tool
from ..utility._common import invalid
from ._bounded import run_bounded

NAME = "data-validation"


def _pointer(parts) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _validator(schema, check_formats: bool):
    import warnings

    import jsonschema
    from jsonschema.validators import validator_for
    from jsonschema_specifications import REGISTRY

    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        try:
            cls = validator_for(schema)  # no default: an unknown $schema warns
        except DeprecationWarning:
            raise invalid(NAME, f"unknown $schema {schema.get('$schema')!r}") from None
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        where = _pointer(exc.path) or "the root"
        raise invalid(NAME, f"invalid schema at {where}: {exc.message}") from None
    checker = cls.FORMAT_CHECKER if check_formats else None
    return cls(schema, registry=REGISTRY, format_checker=checker)


def _validate(data, schema, check_formats: bool, max_errors: int) -> dict:
    from jsonschema.exceptions import _RefResolutionError

    validator = _validator(schema, check_formats)
    try:
        found = list(islice(validator.iter_errors(data), max_errors + 1))
    except _RefResolutionError as exc:
        raise invalid(NAME, f"schema reference cannot be resolved: {exc}") from None
    errors = [{"path": e.json_path, "pointer": _pointer(e.absolute_path),
               "message": e.message, "keyword": e.validator,
               "schema_path": _pointer(e.absolute_schema_path)} for e in found[:max_errors]]
    return {"valid": not errors, "errors": errors, "error_count": len(errors),
            "truncated": len(found) > max_errors, "draft": validator.__class__.__name__}


@tool(
    NAME,
    category="utility",
    description=("Validate a JSON value against a JSON Schema (drafts 4 to 2020-12, formats "
                 "optional): returns valid plus every error with its JSON path, message and "
                 "failing keyword. No remote $ref is fetched."),
    schema={
        "properties": {
            "data": {"description": "the value to validate"},
            "schema": {"type": ["object", "boolean"], "description": "the JSON Schema"},
            "check_formats": {"type": "boolean", "default": True,
                              "description": "enforce 'format' (email, date-time, ipv4, ...)"},
            "max_errors": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
            "timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": 60, "default": 5},
        },
        "required": ["data", "schema"],
        "additionalProperties": False,
    },
    examples=[
        Example({"data": {"name": "Ada", "age": 36},
                 "schema": {"type": "object", "required": ["name"],
                            "properties": {"age": {"type": "integer", "minimum": 0}}}},
                "a valid object", {"valid": True}),
        Example({"data": {"age": -1}, "schema": {"type": "object", "required": ["name"],
                                                 "properties": {"age": {"minimum": 0}}}},
                "two errors", {"valid": False, "error_count": 2}),
    ],
)
def data_validation(params: dict, ctx: ToolContext) -> dict:
    import jsonschema  # noqa: F401  (imported before forking, so the child need not)

    data, schema = params["data"], params["schema"]
    formats, limit = params["check_formats"], params["max_errors"]
    timeout = min(params["timeout"], ctx.settings.timeout)
    return run_bounded(lambda: _validate(data, schema, formats, limit), timeout=timeout,
                       label=f"{NAME}: validating")
