"""Plots for the Dagster UI: PNG rendered with matplotlib's Agg canvas (no display, no pyplot global state),
embedded as a Markdown image with a base64 data URI, which the UI's Markdown metadata view renders inline."""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from anomaly_pipeline import preload

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SIZE = (6.4, 3.0)
DPI = 80  # ~15-30 kB per image: small enough for the event log


def _figure() -> Figure:
    """A new figure on matplotlib's Agg canvas (imported on first use: see anomaly_pipeline.preload)."""
    preload.wait()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=SIZE)
    FigureCanvasAgg(fig)
    return fig


def png_markdown(fig: Figure, alt: str) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    return f"![{alt}](data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode('ascii')})"


def risk_histogram(risk: pd.Series, threshold: float) -> str:
    """Distribution of risk scores above zero (zero is most rows and would flatten the rest), log count axis."""
    fig = _figure()
    ax = fig.add_subplot()
    values = risk[risk > 0].to_numpy(dtype="float64")
    ax.hist(values, bins=np.linspace(0, 1, 41), color="#4c72b0")
    ax.axvline(threshold, color="#c44e52", linestyle="--", label=f"threshold {threshold:g}")
    ax.set_yscale("log" if len(values) else "linear")
    ax.set_xlabel("risk score")
    ax.set_ylabel("transactions")
    ax.set_title(f"Risk scores > 0: {len(values)} of {len(risk)} transactions")
    ax.legend(loc="upper right")
    return png_markdown(fig, "risk score histogram")


def flagged_amounts_over_time(dates: pd.Series, amounts: pd.Series) -> str:
    """Absolute amount of each flagged transaction by posting date (log scale: amounts span decades)."""
    fig = _figure()
    ax = fig.add_subplot()
    absolute = amounts.abs().to_numpy(dtype="float64")
    ax.scatter(pd.to_datetime(dates).to_numpy(), absolute, s=12, alpha=0.7, color="#c44e52")
    if len(absolute) and (absolute > 0).all():
        ax.set_yscale("log")
    ax.set_xlabel("posting date")
    ax.set_ylabel("|amount|")
    ax.set_title(f"Flagged transactions over time: {len(absolute)}")
    fig.autofmt_xdate()
    return png_markdown(fig, "flagged amounts over time")
