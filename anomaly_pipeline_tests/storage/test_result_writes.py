"""Per-algorithm results saved many at once (one transaction, one DELETE and one COPY per table) replace exactly
the rows saving them one at a time would, and take turns with other writers of the same rows."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
import sqlalchemy as sa

from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.results import (
    AlgorithmRun,
    load_scores,
    save_algorithm_result,
    save_algorithm_results,
)
from anomaly_pipeline.storage.run_memory import RunMemory
from anomaly_pipeline.storage.warehouse import Warehouse

KEY = "0123456789abcdef"


def _warehouse(url: str, memory: RunMemory | None = None) -> Warehouse:
    wh = Warehouse(url, memory=memory)
    wh.migrate()
    wh.register_upload(upload_id=KEY, sha256="0" * 64, file_name="ledger.csv", size_bytes=1, file_format="csv",
                       status="loaded", stored_path="/nowhere")
    return wh


def _scores(algorithm: str, values: dict[int, float], status: str = "ran") -> AlgorithmRun:
    rows = pd.DataFrame({"transaction_id": list(values), "score": list(values.values()),
                         "flagged": [v >= 0.5 for v in values.values()],
                         "reason": [f"{algorithm} {t}" if v >= 0.5 else None for t, v in values.items()]})
    return AlgorithmRun(algorithm, False, rows, status, f"hash-{algorithm}",
                        flagged_count=int(rows["flagged"].sum()), scored_count=10)


def _flags(rule: str, ids: list[int]) -> AlgorithmRun:
    rows = pd.DataFrame({"transaction_id": ids, "severity": "high", "score": 1.0, "reason": [f"{rule} {t}" for t in ids]})
    return AlgorithmRun(rule, True, rows, "ran", f"hash-{rule}", flagged_count=len(ids), scored_count=10)


def _nothing(algorithm: str, is_rule: bool, status: str, reason: str | None = None) -> AlgorithmRun:
    return AlgorithmRun(algorithm, is_rule, pd.DataFrame(), status, f"hash-{algorithm}", skip_reason=reason)


def _stored(wh: Warehouse) -> tuple[list[tuple], list[tuple], list[tuple]]:
    s, f, r = schema.anomaly_scores, schema.rule_flags, schema.algorithm_runs
    with wh.engine.connect() as conn:
        scores = conn.execute(sa.select(s.c.strategy, s.c.algorithm, s.c.transaction_id, s.c.score, s.c.flagged,
                                        s.c.reason).order_by(s.c.strategy, s.c.algorithm, s.c.transaction_id)).all()
        flags = conn.execute(sa.select(f.c.strategy, f.c.rule, f.c.transaction_id, f.c.severity, f.c.reason)
                             .order_by(f.c.strategy, f.c.rule, f.c.transaction_id)).all()
        runs = conn.execute(sa.select(r.c.strategy, r.c.algorithm, r.c.status, r.c.config_hash, r.c.skip_reason,
                                      r.c.flagged_count).order_by(r.c.strategy, r.c.algorithm)).all()
    return [tuple(x) for x in scores], [tuple(x) for x in flags], [tuple(x) for x in runs]


def test_saving_many_results_at_once_replaces_exactly_their_rows(database_url):
    wh = _warehouse(database_url)
    for strategy in ("balanced", "aggressive"):  # what was stored before, one algorithm at a time
        for run in (_scores("a", {1: 0.9, 2: 0.2}), _scores("b", {3: 0.7}), _scores("c", {4: 0.6}),
                    _flags("r", [1, 2])):
            save_algorithm_result(wh, KEY, strategy, run)

    counts = save_algorithm_results(wh, KEY, "balanced", [
        _nothing("d", False, "disabled"),
        _scores("a", {2: 0.8, 5: 0.1}),
        _nothing("b", False, "skipped", "no user"),
        _flags("r", [3]),
        _flags("s", [4, 5]),
    ])

    assert counts == [0, 2, 0, 1, 2]
    scores, flags, runs = _stored(wh)
    assert scores == [
        ("aggressive", "a", 1, 0.9, True, "a 1"), ("aggressive", "a", 2, 0.2, False, None),
        ("aggressive", "b", 3, 0.7, True, "b 3"), ("aggressive", "c", 4, 0.6, True, "c 4"),
        ("balanced", "a", 2, 0.8, True, "a 2"), ("balanced", "a", 5, 0.1, False, None),
        ("balanced", "c", 4, 0.6, True, "c 4"),  # not in the batch: kept
    ]
    assert flags == [
        ("aggressive", "r", 1, "high", "r 1"), ("aggressive", "r", 2, "high", "r 2"),
        ("balanced", "r", 3, "high", "r 3"),
        ("balanced", "s", 4, "high", "s 4"), ("balanced", "s", 5, "high", "s 5"),
    ]
    assert runs == [
        ("aggressive", "a", "ran", "hash-a", None, 1), ("aggressive", "b", "ran", "hash-b", None, 1),
        ("aggressive", "c", "ran", "hash-c", None, 1), ("aggressive", "r", "ran", "hash-r", None, 2),
        ("balanced", "a", "ran", "hash-a", None, 1), ("balanced", "b", "skipped", "hash-b", "no user", 0),
        ("balanced", "c", "ran", "hash-c", None, 1), ("balanced", "d", "disabled", "hash-d", None, 0),
        ("balanced", "r", "ran", "hash-r", None, 1), ("balanced", "s", "ran", "hash-s", None, 2),
    ]


def test_results_saved_at_once_are_what_a_later_step_reads_with_or_without_the_run_memory(database_url):
    memory = RunMemory()
    wh = _warehouse(database_url, memory)
    save_algorithm_results(wh, KEY, "balanced", [_scores("a", {1: 0.9, 2: 0.2}), _flags("r", [2]),
                                                  _nothing("b", False, "skipped", "no user")])
    remembered, counts = load_scores(wh, KEY, "balanced")
    read, counts_read = load_scores(Warehouse(database_url), KEY, "balanced")  # no memory: from the database
    assert counts == counts_read == {"a": {"status": "ran", "flagged": 1}, "r": {"status": "ran", "flagged": 1},
                                     "b": {"status": "skipped", "flagged": 0, "skip_reason": "no user"}}
    order = ["algorithm", "transaction_id"]
    expected = [("a", 1, 0.9, True, "a 1"), ("a", 2, 0.2, False, None), ("r", 2, 1.0, True, "r 2")]
    for frame in (remembered, read):
        frame = frame.sort_values(order).astype(object).where(frame.notna(), None)
        assert [tuple(row) for row in frame[[*order, "score", "flagged", "reason"]].itertuples(index=False)] == expected


def test_one_run_per_algorithm(database_url):
    wh = _warehouse(database_url)
    with pytest.raises(ValueError, match="one run per algorithm"):
        save_algorithm_results(wh, KEY, "balanced", [_scores("a", {1: 0.9}), _scores("a", {2: 0.9})])
    assert _stored(wh) == ([], [], [])


def test_saving_many_at_once_waits_for_a_writer_of_one_of_them_and_its_rows_stand(pg_url):
    """Two runs of one content at once: one storing an algorithm alone, the other all of them (violating
    anomaly_scores_pkey without the shared locks)."""
    wh = _warehouse(pg_url)
    where = {"upload_id": KEY, "strategy": "balanced", "algorithm": "b"}
    first = wh.engine.connect()
    first.begin()
    wh.replace_rows(schema.anomaly_scores, _scores("b", {1: 0.1, 3: 0.1}).rows.assign(**where), where, first)
    with ThreadPoolExecutor(1) as pool:
        second = pool.submit(save_algorithm_results, wh, KEY, "balanced",
                             [_scores("a", {1: 0.9}), _scores("b", {1: 0.6, 2: 0.6})])
        time.sleep(0.5)
        assert not second.done()  # waits for the first writer instead of failing on its keys
        first.commit()
        first.close()
        assert second.result(timeout=30) == [1, 2]
    scores, _, runs = _stored(wh)
    assert [(a, t, s) for _, a, t, s, _, _ in scores] == [("a", 1, 0.9), ("b", 1, 0.6), ("b", 2, 0.6)]
    assert [(a, status) for _, a, status, *_ in runs] == [("a", "ran"), ("b", "ran")]


def test_two_writers_of_the_same_many_results_take_turns(pg_url):
    wh = _warehouse(pg_url)
    runs = [_scores(name, {1: 0.9, 2: 0.4}) for name in ("a", "b", "c")] + [_flags("r", [1, 2])]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: save_algorithm_results(wh, KEY, "balanced", runs), range(8)))
    assert results == [[2, 2, 2, 2]] * 8
    scores, flags, stored_runs = _stored(wh)
    assert len(scores) == 6 and len(flags) == 2 and len(stored_runs) == 4
