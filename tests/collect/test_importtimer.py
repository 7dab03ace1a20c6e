"""The meta path finder that times imports: attribution, transparency (no frame, no trace), failures."""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
import threading
import traceback
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from ssot.collect.importtimer import ImportTimer, _TimedSpec

from .conftest import SRC


@pytest.fixture
def pkgdir(tmp_path: Path) -> Iterator[Path]:
    sys.path.insert(0, str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in set(sys.modules) - before:
        del sys.modules[name]
    importlib.invalidate_caches()


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    importlib.invalidate_caches()


def timed(fn) -> ImportTimer:  # type: ignore[no-untyped-def]
    timer = ImportTimer()
    timer.install()
    try:
        fn()
    finally:
        timer.uninstall()
    return timer


def by_name(timer: ImportTimer) -> dict[str, tuple]:
    return {r[0]: r for r in timer.records}


def test_cumulative_and_self_time_follow_the_import_tree(pkgdir: Path) -> None:
    write(pkgdir, "tpk_a/__init__.py", "from tpk_a import slow, fast\n")
    write(pkgdir, "tpk_a/slow.py", "import time\ntime.sleep(0.06)\n")
    write(pkgdir, "tpk_a/fast.py", "X = 1\n")
    timer = timed(lambda: importlib.import_module("tpk_a"))
    rec = by_name(timer)
    _, origin, _, seconds, self_s, parent, _ = rec["tpk_a.slow"]
    assert origin.endswith("tpk_a/slow.py")
    assert parent == "tpk_a"
    assert 0.06 <= seconds < 1.0 and self_s == pytest.approx(seconds)
    pkg = rec["tpk_a"]
    assert pkg[3] >= seconds  # cumulative includes the child
    assert pkg[4] < 0.03  # self time excludes it
    assert pkg[5] is None
    assert rec["tpk_a.fast"][5] == "tpk_a"


def test_modules_see_their_genuine_loader_and_a_plain_spec(pkgdir: Path) -> None:
    write(pkgdir, "tpk_b.py", "LOADER_AT_IMPORT = __loader__\nSPEC_LOADER_AT_IMPORT = __spec__.loader\n")
    timer = timed(lambda: importlib.import_module("tpk_b"))
    mod = sys.modules["tpk_b"]
    assert isinstance(mod.__loader__, importlib.machinery.SourceFileLoader)
    assert isinstance(mod.LOADER_AT_IMPORT, importlib.machinery.SourceFileLoader)
    assert isinstance(mod.SPEC_LOADER_AT_IMPORT, importlib.machinery.SourceFileLoader)
    assert type(mod.__spec__) is importlib.machinery.ModuleSpec  # switched back once the import ended
    assert mod.__spec__._initializing is False
    assert "tpk_b" in by_name(timer)
    assert timer not in sys.meta_path


def test_a_warning_at_import_time_keeps_the_importers_location(pkgdir: Path) -> None:
    write(pkgdir, "tpk_warns.py", "import warnings\nwarnings.warn('old module', DeprecationWarning, stacklevel=2)\n")
    write(pkgdir, "tpk_importer.py", "X = 1\n\nimport tpk_warns\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        timer = timed(lambda: importlib.import_module("tpk_importer"))
    (w,) = [w for w in caught if "old module" in str(w.message)]
    assert (Path(w.filename).name, w.lineno) == ("tpk_importer.py", 3)  # where the user wrote the import
    assert {"tpk_warns", "tpk_importer"} <= set(by_name(timer))


def test_an_import_error_traceback_holds_no_frame_of_ssot(pkgdir: Path) -> None:
    write(pkgdir, "tpk_raises.py", "import tpk_missing_dep\n")
    write(pkgdir, "tpk_boom.py", "raise RuntimeError('boom')\n")

    class Raising:  # a finder behind the timer that fails (an editable install's finder gone wrong, say)
        def find_spec(self, fullname, path=None, target=None):  # type: ignore[no-untyped-def]
            if fullname == "tpk_finder_fails":
                raise LookupError("finder broke")
            return None

    errors: list[BaseException] = []

    def go() -> None:
        sys.meta_path.insert(1, raising)
        try:
            for name in ("tpk_raises", "tpk_boom", "tpk_finder_fails"):
                try:
                    importlib.import_module(name)
                except Exception as exc:
                    errors.append(exc)
        finally:
            sys.meta_path.remove(raising)

    raising = Raising()
    timed(go)
    assert [type(e).__name__ for e in errors] == ["ModuleNotFoundError", "RuntimeError", "LookupError"]
    for exc in errors:
        files = [f.filename for f in traceback.extract_tb(exc.__traceback__)]
        assert not any(f.startswith(str(SRC)) for f in files), files


def test_a_failing_import_raises_as_usual_and_does_not_leak_the_stack(pkgdir: Path) -> None:
    write(pkgdir, "tpk_bad.py", "import tpk_ok_child\nraise ValueError('boom at import')\n")
    write(pkgdir, "tpk_ok_child.py", "")
    write(pkgdir, "tpk_after.py", "")

    def go() -> None:
        with pytest.raises(ValueError, match="boom at import"):
            importlib.import_module("tpk_bad")
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module("tpk_does_not_exist")
        importlib.import_module("tpk_after")

    timer = timed(go)
    rec = by_name(timer)
    assert rec["tpk_ok_child"][5] == "tpk_bad"
    assert "tpk_bad" in rec  # timed although it failed
    assert rec["tpk_after"][5] is None  # the failed import left nothing on the stack
    assert "tpk_does_not_exist" not in rec


def test_reload_is_not_timed_and_specs_found_but_never_loaded_are_given_back(pkgdir: Path) -> None:
    write(pkgdir, "tpk_r.py", "COUNT = 1\n")
    write(pkgdir, "tpk_only_found.py", "")
    found: list[object] = []

    def go() -> None:
        mod = importlib.import_module("tpk_r")
        importlib.reload(mod)
        found.append(importlib.util.find_spec("tpk_only_found"))

    timer = timed(go)
    assert [r[0] for r in timer.records].count("tpk_r") == 1
    assert isinstance(sys.modules["tpk_r"].__loader__, importlib.machinery.SourceFileLoader)
    assert type(sys.modules["tpk_r"].__spec__) is importlib.machinery.ModuleSpec
    assert type(found[0]) is importlib.machinery.ModuleSpec and not isinstance(found[0], _TimedSpec)


def test_imports_from_other_threads_are_not_timed(pkgdir: Path) -> None:
    write(pkgdir, "tpk_thread.py", "")
    write(pkgdir, "tpk_main.py", "")

    def go() -> None:
        t = threading.Thread(target=importlib.import_module, args=("tpk_thread",))
        t.start()
        t.join()
        importlib.import_module("tpk_main")

    rec = by_name(timed(go))
    assert "tpk_main" in rec and "tpk_thread" not in rec
    assert "tpk_thread" in sys.modules


def test_flush_in_progress_records_running_imports_with_self_time(pkgdir: Path) -> None:
    seen: dict[str, list[tuple]] = {}
    write(pkgdir, "tpk_outer.py", "import tpk_inner\n")
    write(pkgdir, "tpk_inner.py", "import time, tpk_hook\ntime.sleep(0.03)\ntpk_hook.flush()\n")
    timer = ImportTimer()
    hook = type(sys)("tpk_hook")
    hook.flush = lambda: (timer.flush_in_progress(), seen.setdefault("r", list(timer.records)))  # type: ignore[attr-defined]
    sys.modules["tpk_hook"] = hook
    timer.install()
    try:
        importlib.import_module("tpk_outer")
    finally:
        timer.uninstall()
    records = {r[0]: r for r in seen["r"]}
    assert records["tpk_inner"][5] == "tpk_outer"
    assert records["tpk_inner"][4] >= 0.03
    assert records["tpk_outer"][4] < records["tpk_outer"][3]  # the inner import is not its own time


def test_imports_before_a_module_runs_are_its_own(pkgdir: Path) -> None:
    """What runs between finding a module and running its code (an extension's C initialisation, a finder that
    imports) belongs to that module, not to its importer."""
    write(pkgdir, "tpk_outer_fx.py", "import tpk_fx\n")
    write(pkgdir, "tpk_fx.py", "X = 1\n")
    write(pkgdir, "tpk_fx_dep.py", "import time\ntime.sleep(0.05)\n")

    class ImportingFinder:  # behind the timer: imports a dependency while it finds tpk_fx
        def find_spec(self, fullname, path=None, target=None):  # type: ignore[no-untyped-def]
            if fullname == "tpk_fx":
                importlib.import_module("tpk_fx_dep")
            return None

    finder = ImportingFinder()

    def go() -> None:
        sys.meta_path.insert(1, finder)
        try:
            importlib.import_module("tpk_outer_fx")
        finally:
            sys.meta_path.remove(finder)

    rec = by_name(timed(go))
    assert rec["tpk_fx_dep"][5] == "tpk_fx"
    assert rec["tpk_fx"][3] >= 0.05 and rec["tpk_fx"][4] < 0.03  # cumulative has it, self does not
    outer = rec["tpk_outer_fx"]
    assert outer[3] >= 0.05 and outer[4] < 0.03  # counted once, under tpk_fx
