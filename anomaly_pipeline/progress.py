"""A one-line progress display on stderr for long CLI work; silent unless stderr is a terminal, so stdout
stays machine-readable and logs stay clean."""

from __future__ import annotations

import shutil
import sys
from typing import TextIO

BAR_WIDTH = 20


class Progress:
    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.prefix = ""

    def start_file(self, index: int, total: int, name: str) -> None:
        self.prefix = f"[{index}/{total}] {name}"
        self._show(f"{self.prefix}: starting")

    def step(self, step: str, finished: int, total: int) -> None:
        """One Dagster step (asset or check) started or finished."""
        filled = BAR_WIDTH * min(finished, total) // max(total, 1)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        self._show(f"{self.prefix} [{bar}] {finished}/{total} {step}")

    def done(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * self._width() + "\r")
            self.stream.flush()

    def _show(self, text: str) -> None:
        if not self.enabled:
            return
        width = self._width()
        self.stream.write("\r" + text[:width].ljust(width))
        self.stream.flush()

    @staticmethod
    def _width() -> int:
        return max(20, shutil.get_terminal_size((100, 20)).columns - 1)
