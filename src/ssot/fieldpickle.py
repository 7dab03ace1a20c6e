"""Slotted data classes pickled as their fields in order.

A ``@dataclass(slots=True)`` pickles through a generic ``__getstate__`` that asks
``dataclasses.fields()`` for every object, writing and reading: on the realcode monorepo a
quarter of a second of the scan cache's save and load, and most of the time of writing the
last result (tens of thousands of definitions).  :func:`pickled_by_fields` gives a class a
``__reduce__`` that writes ``(cls, (field, ...))`` instead: the object is built again by
calling the class (which the scan cache's unpickler allows for the classes it knows).
"""

from __future__ import annotations

import dataclasses
import operator
from typing import Any, TypeVar

_C = TypeVar("_C", bound=type)


def pickled_by_fields(cls: _C) -> _C:
    """``cls`` (a data class whose fields are all ``__init__`` arguments), pickled as its fields in order."""
    names = [f.name for f in dataclasses.fields(cls)]
    if not all(f.init for f in dataclasses.fields(cls)):
        raise TypeError(f"{cls.__name__}: a field outside __init__ cannot be pickled by position")
    get = operator.attrgetter(*names)
    if len(names) == 1:
        def __reduce__(self: Any) -> tuple[Any, ...]:
            return cls, (get(self),)
    else:
        def __reduce__(self: Any) -> tuple[Any, ...]:
            return cls, get(self)
    cls.__reduce__ = __reduce__  # type: ignore[method-assign,assignment]
    return cls
