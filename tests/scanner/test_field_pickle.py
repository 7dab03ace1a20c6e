"""Scan results and cache entries pickle as their fields and come back equal, through the cache's unpickler."""

from __future__ import annotations

import dataclasses
import io
import pickle
from pathlib import Path

import pytest

from ssot import model
from ssot.fieldpickle import pickled_by_fields
from ssot.scanner import engine
from ssot.scanner.cache import Entry, _SafeUnpickler

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "chat_suite"


def _through_the_cache(obj: object) -> object:
    return _SafeUnpickler(io.BytesIO(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))).load()


def test_a_scan_result_comes_back_equal() -> None:
    result = engine.scan(root=EXAMPLE, use_cache=False, jobs=1)
    assert result.families and result.fingerprints
    again = _through_the_cache(result)
    assert again == result
    assert again.families[0].classes[0].members[0] == result.families[0].classes[0].members[0]


def test_every_model_class_is_written_as_its_fields() -> None:
    d = model.Definition(path="t.py", line=1, start_line=1, end_line=3, qualname="f", name="f", kind="function",
                         fingerprint="ab")
    cls, args = d.__reduce__()
    assert cls is model.Definition and args == tuple(getattr(d, f.name) for f in dataclasses.fields(d))
    for name in dir(model):
        obj = getattr(model, name)
        if isinstance(obj, type) and dataclasses.is_dataclass(obj) and obj.__module__ == model.__name__:
            assert "__reduce__" in vars(obj), name  # each model class pickles by its fields


def test_an_entry_shares_what_it_shared() -> None:
    from ssot.scanner.extract import FileExtract

    ex = FileExtract(lines=3)
    entries = [Entry(1, 2, "d", ex), Entry(3, 4, "e", ex)]
    again = _through_the_cache(entries)
    assert again == entries and again[0].extract is again[1].extract  # one object, as before


def test_a_field_outside_init_is_refused() -> None:
    @dataclasses.dataclass
    class Odd:
        a: int
        b: int = dataclasses.field(init=False, default=0)

    with pytest.raises(TypeError, match="outside __init__"):
        pickled_by_fields(Odd)
