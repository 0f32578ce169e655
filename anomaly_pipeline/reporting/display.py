"""Text for people: long texts cut where a reader expects it."""

from __future__ import annotations


def shorten(text: str, width: int) -> str:
    """`text` cut at a word boundary to at most `width` characters, "…" marking the cut."""
    if len(text) <= width:
        return text
    cut = text[:width - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > width // 2 else cut).rstrip(" ;,") + "…"
