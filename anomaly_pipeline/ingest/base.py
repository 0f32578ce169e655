"""What every reader takes and returns: one signature for every format."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pandas as pd

if TYPE_CHECKING:
    from lxml import etree

    from anomaly_pipeline.settings import Settings


@dataclass
class Source:
    """A file to read: its bytes and its name (shown in messages; the bytes are never read again from disk)."""

    data: bytes
    name: str = "upload"

    @classmethod
    def of(cls, source: Path | bytes | Source, name: str | None = None) -> Source:
        if isinstance(source, Source):
            return source
        if isinstance(source, bytes | bytearray | memoryview):
            return cls(bytes(source), name or "upload")
        return cls(Path(source).read_bytes(), name or Path(source).name)

    @cached_property
    def xml_root(self) -> etree._Element:
        """The XML document's root element, parsed once (safely) for every reader that needs it."""
        from anomaly_pipeline.ingest.xml_document import parse_xml

        return parse_xml(self.data)


@dataclass
class ReadResult:
    """A reader's output.

    frame: canonical transactions (see `anomaly_pipeline.canonical`), not yet conformed.
    expected_rows: how many transaction records the reader counted in the file itself, independently of
        parsing success (checked against the loaded count by an asset check).
    metadata: what the UI and the upload row should show (encoding, delimiter, mapping report, company, ...).
    warnings: row-level problems that did not stop the load.
    """

    frame: pd.DataFrame
    expected_rows: int
    metadata: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


class Reader(Protocol):
    """Every format's reader. `mapping` ({canonical field: source header}) is the user's column mapping; formats
    whose fields are fixed by their specification are registered as not taking one."""

    def __call__(self, source: Source, settings: Settings, mapping: dict[str, str] | None = None) -> ReadResult: ...
