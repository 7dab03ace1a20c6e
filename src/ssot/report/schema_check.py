"""Checking JSON against the JSON Schemas ssot ships, without a dependency.

Covers the draft-07 keywords those schemas use (``type``, ``const``, ``enum``,
``properties``, ``required``, ``additionalProperties``, ``items``, ``minItems``,
``minLength``, ``minimum``, ``pattern``, local ``$ref``) and says where the data
is wrong as a JSON path (``$.families[2].members[0].line``).  A keyword it does
not know is refused, so a schema cannot silently outgrow it.
"""

from __future__ import annotations

import re
from typing import Any

_IGNORED = {"$schema", "$id", "title", "description", "definitions", "$defs"}
_KNOWN = _IGNORED | {"$ref", "type", "const", "enum", "properties", "required", "additionalProperties",
                     "items", "minItems", "minLength", "minimum", "pattern"}
_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def _kind(value: Any) -> str:
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _TYPES[name](value):
            return name
    return type(value).__name__


def first_error(data: Any, schema: dict[str, Any]) -> str | None:
    """Where and how ``data`` breaks ``schema`` (the first problem found), or None if it conforms."""
    return _check(data, schema, schema, "$")


def _resolve(ref: str, root: dict[str, Any]) -> dict[str, Any]:
    if not ref.startswith("#/"):
        raise ValueError(f"only local $ref is supported, not {ref!r}")
    node: Any = root
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _check(value: Any, schema: dict[str, Any], root: dict[str, Any], where: str) -> str | None:
    unknown = set(schema) - _KNOWN
    if unknown:
        raise ValueError(f"schema keyword(s) {', '.join(sorted(unknown))} at {where} are not supported")
    if "$ref" in schema:
        return _check(value, _resolve(schema["$ref"], root), root, where)
    if "type" in schema:
        allowed = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_TYPES[t](value) for t in allowed):
            return f"{where}: expected {' or '.join(allowed)}, found {_kind(value)} {_short(value)}"
    if "const" in schema and value != schema["const"]:
        return f"{where}: expected {schema['const']!r}, found {_short(value)}"
    if "enum" in schema and value not in schema["enum"]:
        return f"{where}: {_short(value)} is not one of {', '.join(map(repr, schema['enum']))}"
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            return f"{where}: a string of at least {schema['minLength']} character(s) expected"
        if "pattern" in schema and not re.search(schema["pattern"], value):
            return f"{where}: {_short(value)} does not match {schema['pattern']!r}"
    if _TYPES["number"](value) and "minimum" in schema and value < schema["minimum"]:
        return f"{where}: {value} is below the minimum {schema['minimum']}"
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            return f"{where}: at least {schema['minItems']} item(s) expected, found {len(value)}"
        if "items" in schema:
            for i, item in enumerate(value):
                problem = _check(item, schema["items"], root, f"{where}[{i}]")
                if problem:
                    return problem
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                return f"{where}: the key {key!r} is missing"
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in props:
                problem = _check(item, props[key], root, f"{where}.{key}")
            elif extra is False:
                problem = f"{where}: unexpected key {key!r}"
            elif isinstance(extra, dict):
                problem = _check(item, extra, root, f"{where}.{key}")
            else:
                problem = None
            if problem:
                return problem
    return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
