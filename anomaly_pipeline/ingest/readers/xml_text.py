"""Small lxml helpers shared by the XML readers (camt, SAF-T)."""

from __future__ import annotations

from lxml import etree


def element_text(element: etree._Element | None, path: str) -> str | None:
    """The stripped text at `path` below `element`; None when absent or blank."""
    if element is None:
        return None
    value = element.findtext(path)
    value = value.strip() if value else None
    return value or None
