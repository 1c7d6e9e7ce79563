"""Terminal styling: ANSI colors only when writing to a terminal, never when piped or with NO_COLOR."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TextIO

_CODES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "cyan": "36"}


def use_color(stream: TextIO, mode: str = "auto") -> bool:
    """`mode` always/never decides; auto means a TTY, no NO_COLOR (https://no-color.org) and TERM not dumb."""
    if mode in ("always", "never"):
        return mode == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@dataclass(frozen=True)
class Style:
    enabled: bool = False

    def _wrap(self, code: str, text: str) -> str:
        return f"\033[{_CODES[code]}m{text}\033[0m" if self.enabled and text else text

    def bold(self, text: str) -> str:
        return self._wrap("bold", text)

    def dim(self, text: str) -> str:
        return self._wrap("dim", text)

    def red(self, text: str) -> str:
        return self._wrap("red", text)

    def green(self, text: str) -> str:
        return self._wrap("green", text)

    def yellow(self, text: str) -> str:
        return self._wrap("yellow", text)

    def cyan(self, text: str) -> str:
        return self._wrap("cyan", text)


PLAIN = Style(False)
