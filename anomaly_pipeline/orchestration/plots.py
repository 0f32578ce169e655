"""Plots for the Dagster UI: small SVG charts written here (numpy computes the bins and scales; no plotting
library, so a chart takes milliseconds and nothing heavy is imported on a run's path), embedded as a Markdown
image with a base64 data URI, which the UI's Markdown view (react-markdown with rehype-sanitize, which allows
`data:` image sources) renders inline. An SVG shown as an image runs no script."""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 36, 30, 46  # room for a date label centred on the right edge
#: points drawn at most in the scatter (an evenly spaced sample by date beyond): the image stays ~100 kB
MAX_POINTS = 2000
BAR, FLAG, GRID, INK = "#4c72b0", "#c44e52", "#e5e5e5", "#333"
FONT = 'font-family="sans-serif" font-size="11" fill="#333"'


@dataclass(frozen=True)
class Scale:
    """Maps data values in [low, high] onto pixels [start, end], linearly or by log10."""

    low: float
    high: float
    start: float
    end: float
    log: bool = False

    def __call__(self, values: np.ndarray | float) -> np.ndarray:
        v, low, high = np.asarray(values, dtype="float64"), self.low, self.high
        if self.log:
            v, low, high = np.log10(v), math.log10(low), math.log10(high)
        return self.start + (v - low) / (high - low) * (self.end - self.start)


def _nice_ticks(low: float, high: float, count: int = 5) -> np.ndarray:
    """Round tick values (1, 2 or 5 times a power of ten apart) within [low, high]."""
    step = 10.0 ** math.floor(math.log10((high - low) / count))
    step *= next(m for m in (1, 2, 5, 10) if (high - low) / (step * m) <= count)
    return np.arange(math.ceil(low / step) * step, high + step * 1e-9, step)


def _decades(low: float, high: float) -> np.ndarray:
    return 10.0 ** np.arange(math.ceil(math.log10(low)), math.floor(math.log10(high)) + 1)


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1 or value == 0 else f"{value:g}"


def _svg(title: str, x_label: str, y_label: str, body: list[str], x_ticks: list[tuple[float, str]],
         y_ticks: list[tuple[float, str]], alt: str) -> str:
    """The frame around `body`: title, axes, grid lines at the ticks (pixel, label), axis labels."""
    bottom, right = HEIGHT - BOTTOM, WIDTH - RIGHT
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}">', f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>']
    for y, label in y_ticks:
        parts.append(f'<line x1="{LEFT}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
                     f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" {FONT}>{escape(label)}</text>')
    for x, label in x_ticks:
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{bottom}" y2="{bottom + 4}" stroke="{INK}"/>'
                     f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" {FONT}>{escape(label)}</text>')
    parts += body
    parts += [f'<rect x="{LEFT}" y="{TOP}" width="{right - LEFT}" height="{bottom - TOP}" fill="none" stroke="{INK}"/>',
              f'<text x="{(LEFT + right) / 2}" y="{TOP - 10}" text-anchor="middle" font-family="sans-serif" '
              f'font-size="13" fill="{INK}">{escape(title)}</text>',
              f'<text x="{(LEFT + right) / 2}" y="{HEIGHT - 8}" text-anchor="middle" {FONT}>{escape(x_label)}</text>',
              f'<text transform="translate(14 {(TOP + bottom) / 2}) rotate(-90)" text-anchor="middle" {FONT}>'
              f'{escape(y_label)}</text>', "</svg>"]
    encoded = base64.b64encode("".join(parts).encode("utf-8")).decode("ascii")
    return f"![{alt}](data:image/svg+xml;base64,{encoded})"


def risk_histogram(risk: pd.Series, threshold: float) -> str:
    """Distribution of risk scores above zero (zero is most rows and would flatten the rest) in 40 bins over
    [0, 1], log count axis, the strategy's threshold as a dashed line."""
    values = risk[risk > 0].to_numpy(dtype="float64")
    counts, edges = np.histogram(values, bins=np.linspace(0, 1, 41))
    x = Scale(0.0, 1.0, LEFT, WIDTH - RIGHT)
    if len(values):  # log counts: a bin of 1 still shows (the axis starts at 0.5)
        y = Scale(0.5, max(10.0 ** math.ceil(math.log10(counts.max() + 0.5)), 10.0), HEIGHT - BOTTOM, TOP, log=True)
        y_ticks = [(float(y(v)), _number(v)) for v in _decades(1.0, y.high)]
    else:
        y = Scale(0.0, 1.0, HEIGHT - BOTTOM, TOP)
        y_ticks = [(float(y(v)), _number(v)) for v in (0.0, 1.0)]
    shown = np.flatnonzero(counts)
    left, right, top = x(edges[shown]), x(edges[shown + 1]), y(counts[shown].astype("float64"))
    body = [f'<rect class="bar" x="{a:.1f}" y="{t:.1f}" width="{b - a - 1:.1f}" height="{HEIGHT - BOTTOM - t:.1f}" '
            f'fill="{BAR}"/>' for a, b, t in zip(left, right, top, strict=True)]
    line = float(x(threshold))
    body += [f'<line x1="{line:.1f}" x2="{line:.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" stroke="{FLAG}" '
             f'stroke-width="1.5" stroke-dasharray="5 3"/>',
             f'<line x1="{WIDTH - RIGHT - 118}" x2="{WIDTH - RIGHT - 96}" y1="{TOP + 14}" y2="{TOP + 14}" '
             f'stroke="{FLAG}" stroke-width="1.5" stroke-dasharray="5 3"/>',
             f'<text x="{WIDTH - RIGHT - 90}" y="{TOP + 18}" {FONT}>threshold {threshold:g}</text>']
    return _svg(f"Risk scores > 0: {len(values)} of {len(risk)} transactions", "risk score", "transactions", body,
                [(float(x(v)), f"{v:.1f}") for v in np.linspace(0, 1, 6)], y_ticks, "risk score histogram")


def _date_ticks(low: pd.Timestamp, high: pd.Timestamp, scale: Scale) -> list[tuple[float, str]]:
    """Month starts over a long span, round days over a short one; six labels at most."""
    if (high - low).days >= 90:
        ticks = pd.date_range(low.to_period("M").to_timestamp(), high, freq="MS")
        ticks = ticks[ticks >= low][::max(1, math.ceil(len(ticks) / 6))]
    else:
        start = low.ceil("D")
        days = _nice_ticks(0.0, max((high - start) / pd.Timedelta(days=1), 1.0), 5)
        days = days[days == np.round(days)]  # whole days: a label names a date
        ticks = pd.DatetimeIndex(start + pd.to_timedelta(days, unit="D"))
        ticks = ticks[ticks <= high]
    return [(float(scale(t.value)), f"{t:%Y-%m-%d}") for t in ticks]


def flagged_amounts_over_time(dates: pd.Series, amounts: pd.Series) -> str:
    """Absolute amount of each flagged transaction by posting date (log axis when every amount is above zero:
    amounts span decades)."""
    when = pd.to_datetime(dates).reset_index(drop=True)
    absolute = amounts.abs().to_numpy(dtype="float64")
    keep = when.notna().to_numpy() & np.isfinite(absolute)
    when, absolute = when[keep].reset_index(drop=True), absolute[keep]
    title = f"Flagged transactions over time: {len(amounts)}"
    if not len(absolute):
        body = [f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{(TOP + HEIGHT - BOTTOM) / 2}" text-anchor="middle" '
                f'{FONT}>no flagged transactions with a date</text>']
        return _svg(title, "posting date", "|amount|", body, [], [], "flagged amounts over time")
    order = np.argsort(when.to_numpy(), kind="stable")
    if len(order) > MAX_POINTS:  # an evenly spaced sample by date
        order = order[np.linspace(0, len(order) - 1, MAX_POINTS).round().astype(int)]
        title += f" ({MAX_POINTS} shown)"
    stamps, absolute = when.to_numpy()[order], absolute[order]
    low, high = pd.Timestamp(stamps.min()), pd.Timestamp(stamps.max())
    if high - low < pd.Timedelta(days=3):  # a day or two: centred in a few days around them
        low, high = low - pd.Timedelta(days=1), high + pd.Timedelta(days=1)
    span = high - low
    low, high = low - span * 0.03, high + span * 0.03
    x = Scale(float(low.value), float(high.value), LEFT, WIDTH - RIGHT)
    if (absolute > 0).all():
        y = Scale(10.0 ** math.floor(math.log10(absolute.min())), 10.0 ** math.ceil(math.log10(absolute.max()) + 1e-9),
                  HEIGHT - BOTTOM, TOP, log=True)
        y_ticks = [(float(y(v)), _number(v)) for v in _decades(y.low, y.high)]
    else:
        top = max(float(absolute.max()), 1.0) * 1.05
        y = Scale(0.0, top, HEIGHT - BOTTOM, TOP)
        y_ticks = [(float(y(v)), _number(v)) for v in _nice_ticks(0.0, top)]
    px, py = x(stamps.astype("datetime64[ns]").astype("int64").astype("float64")), y(absolute)
    body = [f'<g fill="{FLAG}" fill-opacity="0.7">',
            "".join(map('<circle cx="{:.1f}" cy="{:.1f}" r="3"/>'.format, px, py)), "</g>"]
    return _svg(title, "posting date", "|amount|", body, _date_ticks(low, high, x), y_ticks,
                "flagged amounts over time")
