"""Garbage-collector settings for the processes that run the pipeline.

The imports alone leave about 330 000 tracked objects (Dagster, pandas, SQLAlchemy, scikit-learn), and a
run allocates container objects by the million (events, frames, rows). With CPython's default thresholds
(700, 10, 10) a full collection, which walks every one of those objects (0.14 s), ran again and again:
at 1M rows about 2 s of a 23 s run. `tune()` moves what exists at start-up out of the collector's reach
(`gc.freeze()`: those objects live as long as the process anyway) and collects less often. Reference
counting still frees everything that is not in a cycle at once, so memory is not held longer.
"""

from __future__ import annotations

import gc
import threading

#: allocations between young collections, and young (resp. middle) collections per older one
THRESHOLDS = (100_000, 50, 1000)
_lock = threading.Lock()
_tuned = False


def tune() -> None:
    """Freeze the objects alive now and raise the collection thresholds (once per process)."""
    global _tuned
    with _lock:
        if _tuned:
            return
        _tuned = True
        freeze()
        gc.set_threshold(*THRESHOLDS)


def freeze() -> None:
    """Collect, then exclude every object alive now from later collections (after a late import)."""
    gc.collect()
    gc.freeze()
