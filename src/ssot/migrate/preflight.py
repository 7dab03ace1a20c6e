"""The plan's check that each new canonical module compiles and imports, before anything is written.

The plan builds every canonical module exactly as the run will (the copies'
own source through LibCST, the module that exists already when a family
migrated before), compiles it, and imports it in a fresh interpreter from the
folder pytest imports it from.  The module is served from memory by an import
hook in that interpreter, so the check writes nothing.  A family whose module
fails is left out of the plan (``canonical-broken``): plan, dry run and run see
the same families, files and batches.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import libcst as cst

from ssot.migrate.testhooks import ENV_VARS
from ssot.rewrite.canonical import CanonicalDef, build_module, extract_definition

if TYPE_CHECKING:
    from ssot.migrate.plan import Target

MODULE_DOC = (
    "Canonical {name}: the single source of truth for every copy ssot consolidated.\n\n"
    "Written by `ssot migrate` from the copies themselves; edit it here, not in the test files.\n"
)

IMPORTER = r"""
import importlib.abc, importlib.util, json, sys
job = json.loads(sys.stdin.read())
sys.path[:0] = job["path"]
mods = job["modules"]

class Memory(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        if name in mods:
            return importlib.util.spec_from_loader(name, self, is_package=mods[name]["package"])
        return None
    def create_module(self, spec):
        return None
    def exec_module(self, module):
        m = mods[module.__name__]
        module.__file__ = m["file"]
        exec(compile(m["source"], m["file"], "exec"), module.__dict__)

sys.meta_path.insert(0, Memory())
try:
    importlib.import_module(job["name"])
except BaseException as exc:
    print(f"{type(exc).__name__}: {exc}")
    sys.exit(1)
"""


def canonical_def(t: Target) -> CanonicalDef:
    """The rewrite's view of a plan :class:`~ssot.migrate.plan.Target`."""
    return CanonicalDef(
        name=t.name, source_path=t.source.path, source_qualname=t.source.qualname,
        source_name=t.source.name, source_line=t.source.line,
        imports=t.imports, future_annotations=t.future_annotations,
        not_a_test=t.not_a_test,
    )


def module_source(targets: list[Target], read: Callable[[str], bytes | None]) -> bytes:
    """The canonical module holding ``targets`` (one family's new definitions), as the run writes it."""
    defs: list[tuple[CanonicalDef, cst.BaseStatement]] = []
    parsed: dict[str, cst.Module] = {}
    for t in targets:
        src = t.source.path
        if src not in parsed:
            data = read(src)
            if data is None:
                raise LookupError(f"{src}: missing")
            parsed[src] = cst.parse_module(data)
        d = canonical_def(t)
        defs.append((d, extract_definition(parsed[src], d)))
    first = targets[0]
    return build_module(read(first.path), defs, MODULE_DOC.format(name=first.family_id))


def check_module(root: Path, rel: str, dotted: str, source: bytes, new_packages: dict[str, str],
                 sys_path: list[str], timeout: float = 120.0) -> str | None:
    """Why the module ``dotted`` (at ``rel``, with ``source``) would not compile or import; None if it does."""
    try:
        compile(source, rel, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        return f"{rel} would not compile: {exc}"
    modules = {dotted: {"source": source.decode("utf-8", "surrogateescape"), "file": str(root / rel),
                        "package": False}}
    for name, init in new_packages.items():
        modules[name] = {"source": "", "file": str(root / init), "package": True}
    job = {"name": dotted, "modules": modules, "path": [str(root / p) if p else str(root) for p in sys_path]}
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    for var in ENV_VARS:
        env.pop(var, None)
    try:
        proc = subprocess.run([sys.executable, "-c", IMPORTER], input=json.dumps(job), cwd=root, env=env,
                              capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return f"importing {dotted} took longer than {timeout:.0f}s"
    if proc.returncode != 0:
        last = (proc.stdout + proc.stderr).strip().splitlines()[-1:] or ["?"]
        return f"`import {dotted}` ({rel}) fails in a fresh interpreter: {last[0]}"
    return None
