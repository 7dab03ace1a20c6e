"""Errors the CLI turns into a clear message and an exit code (never a traceback)."""

from __future__ import annotations


class SsotError(Exception):
    """An error caused by the user's input: config, arguments, tree state."""

    exit_code = 2


class ConfigError(SsotError):
    """``[tool.ssot]`` (or a flag) is invalid; the message names the key and the fix."""
