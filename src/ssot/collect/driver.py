"""Run pytest's real collection in a subprocess and bring back its measurement.

The subprocess is the project's own interpreter and configuration: ``pytest
--collect-only -q -p no:ssot -p ssot.collect.plugin --ssot-profile=F`` (run by
``python -c`` the way the ``pytest`` command runs it) from the project root,
with ssot's source folder on ``PYTHONPATH`` so the plugin (standard library +
pytest only) imports even where ssot is not installed.  ``-p no:ssot`` keeps
the ``pytest11`` entry point from loading the same module a second time when
ssot *is* installed there.

The driver measures what the plugin cannot: wall time from spawn to exit, CPU
time and peak RSS of the whole process (``os.wait4``).  On timeout it asks the
plugin (``SIGUSR1``) to write what it has and where it is stuck, then kills
the process group.  Every way pytest can fail before writing a profile
becomes a :class:`CollectFailure` with a message that says what to do.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ssot
from ssot.collect.protocol import ENV_DUMP_SIGNAL, ENV_T0, PLUGIN_MODULE
from ssot.errors import SsotError
from ssot.exitcodes import PARTIAL, USAGE

if TYPE_CHECKING:
    from ssot.collect.profile import Measurement, Status

PLUGIN = PLUGIN_MODULE
DUMP_GRACE_SECONDS = 3.0


class CollectFailure(SsotError):
    """pytest could not produce a profile; the message says why and what to do."""

    def __init__(self, message: str, exit_code: int = USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class CollectRequest:
    root: Path
    python: str
    paths: list[str] = field(default_factory=list)
    pytest_args: list[str] = field(default_factory=list)
    timeout: float = 600.0


def source_dir() -> Path:
    """The folder holding the ``ssot`` package (put on the subprocess's PYTHONPATH)."""
    return Path(ssot.__file__).resolve().parent.parent


def find_python(root: Path, explicit: str | None = None) -> str:
    """The project's interpreter: --python, else $VIRTUAL_ENV, else ROOT/.venv or ROOT/venv, else this one."""
    if explicit:
        found = shutil.which(explicit) if os.sep not in explicit else explicit
        if not found or not os.path.isfile(found):
            raise CollectFailure(f"--python {explicit}: no such interpreter; pass the path of the project's python")
        return found
    candidates = []
    if os.environ.get("VIRTUAL_ENV"):
        candidates.append(Path(os.environ["VIRTUAL_ENV"]))
    candidates += [root / ".venv", root / "venv"]
    for venv in candidates:
        for exe in (venv / "bin" / "python", venv / "Scripts" / "python.exe"):
            if exe.is_file() and (venv / "pyvenv.cfg").is_file():
                return str(exe)
    return sys.executable


# Run pytest as the `pytest` command does, not as `python -m pytest` (which puts the working directory on
# sys.path and so can import what a plain `pytest` cannot).
PYTEST_MAIN = (
    "import os, sys\n"
    "if sys.path and sys.path[0] in ('', os.getcwd()):\n"
    "    del sys.path[0]\n"
    "import pytest\n"
    "sys.exit(getattr(pytest, 'console_main', pytest.main)())\n"
)


def build_command(req: CollectRequest, profile_path: Path) -> list[str]:
    return [
        req.python,
        "-c",
        PYTEST_MAIN,
        "--collect-only",
        "-q",
        "-p",
        "no:ssot",
        "-p",
        PLUGIN,
        f"--ssot-profile={profile_path}",
        *req.pytest_args,
        *req.paths,
    ]


def _env(t0: float) -> dict[str, str]:
    env = dict(os.environ)
    src = str(source_dir())
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env[ENV_T0] = repr(t0)
    env[ENV_DUMP_SIGNAL] = "1"
    return env


@dataclass
class _Exit:
    returncode: int | None = None
    end: float | None = None
    cpu: float | None = None
    rss: int | None = None
    timed_out: bool = False


def _tail(path: Path, lines: int = 30) -> str:
    try:
        data = path.read_bytes()[-20000:].decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


def _wait(
    proc: subprocess.Popen[bytes], timeout: float, profile_path: Path, while_running: Callable[[], None] | None = None
) -> _Exit:
    res = _Exit()
    started = time.monotonic()
    if hasattr(os, "wait4"):

        def waiter() -> None:
            try:
                _, status, ru = os.wait4(proc.pid, 0)
            except ChildProcessError:  # pragma: no cover - reaped elsewhere
                res.end = time.time()
                return
            res.end = time.time()
            res.returncode = os.waitstatus_to_exitcode(status)
            res.cpu = ru.ru_utime + ru.ru_stime
            res.rss = int(ru.ru_maxrss) * (1 if sys.platform == "darwin" else 1024)

        thread = threading.Thread(target=waiter, name="ssot-collect-wait", daemon=True)
        thread.start()
        try:
            if while_running is not None:
                while_running()
            thread.join(max(0.0, timeout - (time.monotonic() - started)))
            if thread.is_alive():
                res.timed_out = True
                _dump_and_kill(proc, profile_path, thread.is_alive)
                thread.join(30)
        except BaseException:
            _kill(proc)
            thread.join(5)
            raise
        proc.returncode = res.returncode if res.returncode is not None else -9
        return res
    if while_running is not None:  # pragma: no cover - platforms without wait4 (Windows)
        while_running()
    try:  # pragma: no cover
        proc.wait(max(0.0, timeout - (time.monotonic() - started)))
    except subprocess.TimeoutExpired:  # pragma: no cover
        res.timed_out = True
        _kill(proc)
        proc.wait()
    res.end = time.time()  # pragma: no cover
    res.returncode = proc.returncode  # pragma: no cover
    return res  # pragma: no cover


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover
            proc.kill()
    except (ProcessLookupError, PermissionError, OSError):
        pass


def _dump_and_kill(proc: subprocess.Popen[bytes], profile_path: Path, running: Any) -> None:
    """Ask the plugin where it is stuck (it writes a partial profile), then stop the whole process group."""
    sig = getattr(signal, "SIGUSR1", None)
    if sig is not None:
        before = profile_path.stat().st_mtime_ns if profile_path.exists() else None
        with contextlib.suppress(OSError):
            os.kill(proc.pid, sig)
        deadline = time.monotonic() + DUMP_GRACE_SECONDS
        while time.monotonic() < deadline and running():
            if profile_path.exists() and profile_path.stat().st_mtime_ns != before:
                break
            time.sleep(0.05)
    _kill(proc)


def _failure_without_profile(req: CollectRequest, code: int | None, stderr: str, stdout: str) -> CollectFailure:
    text = stderr + "\n" + stdout
    last = next((ln.strip() for ln in reversed(text.splitlines()) if ln.strip()), "")
    if "No module named pytest" in text or "No module named 'pytest'" in text:
        return CollectFailure(
            f"pytest is not installed in {req.python}: install it there (`{req.python} -m pip "
            "install pytest`), "
            "or pass --python with the interpreter that runs your tests"
        )
    if PLUGIN in text and ("Error importing plugin" in text or "ImportError" in text or "SyntaxError" in text):
        return CollectFailure(
            f"{req.python} could not load ssot's pytest plugin ({last}); it needs Python >= 3.8 and pytest >= 7"
        )
    if code == 4 or "error: unrecognized arguments" in text or "ERROR: usage" in text:
        return CollectFailure(f"pytest rejected the arguments: {last}")
    return CollectFailure(
        f"pytest exited with code {code} before collecting anything: {last or '(no output)'}",
        exit_code=PARTIAL,
    )


def run_collection(req: CollectRequest, while_running: Callable[[], None] | None = None) -> Measurement:
    """Run one collection; return its measurement (never raises for what pytest reports as errors).

    ``while_running`` is called once pytest has been spawned (and its exit is being watched): work that
    does not need the result (reading test files, importing the report modules) then costs no wall time.
    """
    if not Path(req.python).is_file():
        raise CollectFailure(f"{req.python}: no such interpreter; pass --python with the project's python")
    workdir = Path(tempfile.mkdtemp(prefix="ssot-collect-"))
    try:
        profile_path = workdir / "profile.json"
        out_path, err_path = workdir / "stdout.txt", workdir / "stderr.txt"
        cmd = build_command(req, profile_path)
        t0 = time.time()
        env = _env(t0)
        try:
            with open(out_path, "wb") as out, open(err_path, "wb") as err:
                proc = subprocess.Popen(
                    cmd,
                    cwd=req.root,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    start_new_session=(os.name == "posix"),
                )
        except OSError as exc:
            raise CollectFailure(f"cannot run {req.python}: {exc.strerror or exc}") from None
        res = _wait(proc, req.timeout, profile_path, while_running)
        end = res.end if res.end is not None else time.time()
        stdout, stderr = _tail(out_path), _tail(err_path)
        data = None
        if profile_path.exists():
            try:
                data = json.loads(profile_path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                data = None
        if data is None:
            if not res.timed_out:
                raise _failure_without_profile(req, res.returncode, stderr, stdout)
            m = _empty_measurement(req, "timeout")
        else:
            from ssot.collect.profile import Profile

            m = Profile.from_dict(data, "the plugin's profile").measurement
        m.clock = "driver"
        m.wall_seconds = round(end - t0, 6)
        if res.cpu is not None:
            m.cpu_seconds = round(res.cpu, 6)
        if res.rss is not None:
            m.peak_rss_bytes = res.rss
        if res.timed_out:
            m.status = "timeout"
            m.complete = False
        elif res.returncode == 4 and "collection_start" not in m.marks and m.status != "conftest-error":
            raise _failure_without_profile(req, 4, stderr, stdout)
        if m.pytest_exit_code is None:
            m.pytest_exit_code = res.returncode
        if m.status != "ok":
            m.output_tail = (stderr + "\n" + stdout).strip()[-4000:] or None
        return m
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _empty_measurement(req: CollectRequest, status: Status) -> Measurement:
    from ssot.collect.profile import Measurement, PythonInfo

    return Measurement(
        status=status,
        complete=False,
        pytest_exit_code=None,
        rootdir=str(req.root),
        inifile=None,
        invocation_dir=str(req.root),
        args=list(req.paths),
        args_source=None,
        python=PythonInfo(executable=req.python),
        ini={},
        clock="driver",
        wall_seconds=0.0,
        cpu_seconds=None,
        peak_rss_bytes=None,
        marks={},
        tests=0,
        deselected=0,
        files=[],
        dirs=[],
        imports=[],
        preloaded_modules=0,
        warnings=[],
        errors=[],
        skipped=[],
    )
