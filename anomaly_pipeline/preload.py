"""The heavy library only some steps need (scikit-learn, for the ML detectors) is imported lazily, and
`start()` imports it in a background thread while a step waits on I/O (the upload's load spends seconds in
PostgreSQL), so that neither the CLI's start nor the detectors wait for it."""

from __future__ import annotations

import importlib
import threading

from anomaly_pipeline import gc_tuning
from anomaly_pipeline.detect.batch import offloads_ml

MODULES = ("sklearn.ensemble", "sklearn.neural_network", "sklearn.cluster", "sklearn.exceptions")
_thread: threading.Thread | None = None
_lock = threading.Lock()


def start(rows: int | None = None) -> None:
    """Begin importing MODULES in a daemon thread (once per process); not where the ML worker process will fit
    the models of an upload of `rows` rows (unknown: assumed small) instead (`detect.batch.offloads_ml`)."""
    global _thread
    with _lock:
        if _thread is None and not offloads_ml(rows or 0):
            _thread = threading.Thread(target=_import_all, name="preload", daemon=True)
            _thread.start()


def wait() -> None:
    """Let a started preload finish before importing from MODULES: two threads importing different modules
    of one package at once could each hold a module the other needs."""
    thread = _thread
    if thread is not None and thread is not threading.current_thread():
        thread.join()


def _import_all() -> None:
    for name in MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the step that needs the module imports it again and reports
            return
    gc_tuning.freeze()  # the modules' objects live as long as the process: keep collections from walking them
