"""Which row of a table of cells is its header (CSV lines or spreadsheet rows; preamble rows come first)."""

from __future__ import annotations

from collections import Counter

from anomaly_pipeline.ingest.header_match import header_key

HEADER_SCAN_ROWS = 60


def find_header_row(rows: list[list[str]]) -> int:
    """Index of the header: the first row wide like the table whose cells are mostly labels.

    Bank exports often put account details on rows above the header; those rows are narrower or name
    only a label and a value, and a data row is mostly numbers and dates.
    """
    filled = [[c.strip() for c in row if c and c.strip()] for row in rows]
    counts = Counter(len(row) for row, cells in zip(rows, filled, strict=True) if cells)
    if not counts:
        return 0
    width = max(n for n, c in counts.items() if c == max(counts.values()))
    # a header names most of the table's columns ("Kontoinhaber:;Max Muster;;;" above it names two);
    # a second, laxer pass accepts headers with many blank cells
    for share in (0.75, 0.5):
        for i, (row, cells) in enumerate(zip(rows, filled, strict=True)):
            if len(row) < max(2, width - 1):
                continue
            labels = [c for c in cells if header_key(c) and not is_number_or_date(c)]
            if len(cells) >= max(2, share * width) and len(labels) >= 0.6 * len(cells):
                return i
    return 0


def is_number_or_date(cell: str) -> bool:
    stripped = cell.replace(" ", "").replace(",", "").replace(".", "").replace("-", "").replace("/", "")
    return stripped.lstrip("+").isdigit()
