"""JSON Schema (draft 2020-12) of the collection profile, derived from the dataclasses of :mod:`profile`.

Derived, so it cannot drift from the model; strict (no unknown keys, every
field required), so a plugin, driver or renderer that writes something else
is caught by the tests that validate real output against it.  The meaning of
each field is documented in ``docs/collect.md``.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

from ssot.collect import profile as model
from ssot.collect.protocol import SCHEMA, VERSION
from ssot.model import Finding


def _type_schema(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    if tp is Finding:
        tp = model.DiagnosisRecord  # how a finding is written in the profile
    origin = typing.get_origin(tp)
    if origin is typing.Literal:  # the fields whose values are one of a fixed set
        return {"type": "string", "enum": list(typing.get_args(tp))}
    if origin is typing.Union or origin is types.UnionType:
        options = [_type_schema(a, defs) for a in typing.get_args(tp) if a is not type(None)]
        nullable = type(None) in typing.get_args(tp)
        schema = options[0] if len(options) == 1 else {"anyOf": options}
        return {"anyOf": [schema, {"type": "null"}]} if nullable else schema
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # reserve against recursion
            hints = typing.get_type_hints(tp)
            props = {}
            for f in dataclasses.fields(tp):
                props[f.name] = _type_schema(hints[f.name], defs)
            defs[name] = {
                "type": "object",
                "properties": props,
                "required": [f.name for f in dataclasses.fields(tp)],
                "additionalProperties": False,
            }
        return {"$ref": f"#/$defs/{name}"}
    if origin is list:
        (item,) = typing.get_args(tp)
        return {"type": "array", "items": _type_schema(item, defs)}
    if origin is dict:
        _, item = typing.get_args(tp)
        return {"type": "object", "additionalProperties": _type_schema(item, defs)}
    simple = {float: "number", int: "integer", str: "string", bool: "boolean"}
    if tp in simple:
        return {"type": simple[tp]}
    return {}


def profile_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    measurement = _type_schema(model.Measurement, defs)
    analysis = _type_schema(model.Analysis, defs)
    # the plugin's own file has the same shape; readers accept a missing "analysis" for it
    required_measurement = defs["Measurement"]["required"]
    defs["Measurement"]["required"] = [
        k for k in required_measurement if k not in ("hang", "output_tail", "stop_reason")
    ]
    defs["Analysis"]["required"] = [
        k for k in defs["Analysis"]["required"] if k not in ("static_files", "static_errors")
    ]
    defs["FileTiming"]["required"] = [k for k in defs["FileTiming"]["required"] if k != "names"]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://ssot.invalid/schemas/{SCHEMA}/{VERSION}",
        "title": "ssot collect profile",
        "type": "object",
        "properties": {
            "schema": {"const": SCHEMA},
            "version": {"const": VERSION},
            "tool": {"type": "string"},
            "measurement": measurement,
            "analysis": {"anyOf": [analysis, {"type": "null"}]},
        },
        "required": ["schema", "version", "measurement"],
        "additionalProperties": False,
        "$defs": defs,
    }
