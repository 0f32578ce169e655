"""An upload is judged within its entity's earlier uploads: the same postings are routine for a company that
has always made them and findings for one that never did. Through the CLI, the job and the preview, on
PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import sqlalchemy as sa
import yaml

from anomaly_pipeline.app import results
from anomaly_pipeline.cli import main
from anomaly_pipeline.detect.history import describe_baseline
from anomaly_pipeline.detect.registry import ALGORITHMS
from anomaly_pipeline.scoring import stale_algorithms
from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.warehouse import Warehouse
from anomaly_pipeline.strategies.model import load_preset

SATURDAYS = ["2025-08-09", "2025-10-18"]  # the second half-year's weekend sales: 2 of 134 vouchers


def _ledger(path: Path, company: str, start: str, end: str, weekend_every: int = 0, saturdays: tuple[str, ...] = ()) -> Path:
    """Two-line sales vouchers, one per business day (and, with `weekend_every`, every n-th weekend day
    too), plus sales on `saturdays`; the company named at the top of the document."""
    days = pd.date_range(start, end, freq="D")
    dates = list(days[days.day_of_week < 5])
    if weekend_every:
        dates += list(days[days.day_of_week >= 5][::weekend_every])
    dates = sorted(dates + [pd.Timestamp(d) for d in saturdays])
    lines = []
    for i, day in enumerate(dates, start=1):
        amount = 1500.0 + (i * 37) % 900
        lines += [{"date": f"{day:%Y-%m-%d}", "voucher": f"V{i}", "account": "3010", "amount": -amount, "text": "Sale"},
                  {"date": f"{day:%Y-%m-%d}", "voucher": f"V{i}", "account": "1930", "amount": amount, "text": "Sale"}]
    path.write_text(json.dumps({"company": company, "transactions": lines}), encoding="utf-8")
    return path


def _processed(capsys, path: Path) -> dict:
    """`process --format json`'s answer for the file, which must have loaded."""
    code = main(["process", str(path), "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0, out
    [processed] = json.loads(out)
    assert processed["status"] == "loaded", processed
    return processed


def _process(capsys, path: Path) -> str:
    return _processed(capsys, path)["upload_id"]


def _weekend_flags(wh: Warehouse, key: str, strategy: str = "balanced") -> set[int]:
    flags = wh.read_table(schema.rule_flags, upload_id=key, strategy=strategy)
    return set(flags.loc[flags["rule"] == "weekend_posting", "transaction_id"])


def _weekend_hash(wh: Warehouse, key: str, strategy: str = "balanced") -> str:
    runs = wh.read_table(schema.algorithm_runs, upload_id=key, strategy=strategy)
    return runs.loc[runs["algorithm"] == "weekend_posting", "config_hash"].item()


def test_weekend_sales_are_findings_alone_and_routine_within_the_entitys_history(pg_env, capsys):
    tmp, wh = pg_env["tmp"], Warehouse(pg_env["DATABASE_URL"])
    plain = load_preset("balanced").settings_for("weekend_posting").config_hash()
    # a company seen for the first time: three Saturday sales in half a year are rare here
    solo = _process(capsys, _ledger(tmp / "solo.json", "Solo AB", "2025-07-01", "2025-12-31", saturdays=SATURDAYS))
    assert wh.get_upload(solo)["entity"] == "Solo AB"
    saturday_lines = 4  # two lines per voucher
    assert len(_weekend_flags(wh, solo)) == saturday_lines
    assert _weekend_hash(wh, solo) == plain  # no history: the settings' own hash

    # the same half-year from a company whose earlier upload sold every other weekend day
    first = _process(capsys, _ledger(tmp / "h1.json", "Acme AB", "2025-01-01", "2025-06-30", weekend_every=2))
    assert len(_weekend_flags(wh, first)) == 0  # a weekend trader: weekends are its norm
    second_outcome = _processed(capsys, _ledger(tmp / "h2.json", "Acme AB", "2025-07-01", "2025-12-31",
                                                saturdays=SATURDAYS))
    second = second_outcome["upload_id"]
    assert _weekend_flags(wh, second) == set()
    assert _weekend_hash(wh, second).startswith(plain + "+")  # judged with history: part of the hash
    # the risk step asks only whether the settings made the scores, whatever history they were judged with
    assert stale_algorithms(wh, second, load_preset("balanced")) == {}
    # the history is what came before the upload's first date: the first upload is judged as it was
    history, fingerprint = wh.entity_history(second, 200_000, 730)
    assert set(history["upload_id"]) == {first} and history["posting_date"].max() < pd.Timestamp("2025-07-01")
    assert (history["transaction_id"] > 0).all() and fingerprint.startswith("2025-07-01|730|200000|")
    assert wh.entity_history(first, 200_000, 730)[1] == ""  # the later upload is no history of the first
    # and it says so: in the analysis results, the risk asset's metadata and the auditor workbook
    judged = {"entity": "Acme AB", "uploads": 1, "lines": len(history),
              "first": f"{history['posting_date'].min():%Y-%m-%d}", "last": "2025-06-30"}
    assert judged["first"] == "2025-01-01" and len(history) > 200
    assert results.baseline(second) == judged
    assert second_outcome["judged_with"] == judged  # what `process` answered
    assert results.baseline(first) is None and results.baseline(solo) is None
    assert describe_baseline(judged) == (f"this upload and {len(history)} earlier lines of 'Acme AB' from 1 upload(s), "
                                         "2025-01-01 to 2025-06-30")
    assert main(["process", str(tmp / "h2.json"), "--force"]) == 0  # the text summary says it too
    assert f"  judged with {len(history)} earlier lines of 'Acme AB' from 1 upload(s), 2025-01-01 to 2025-06-30\n" \
        in capsys.readouterr().out
    out = tmp / "second.xlsx"
    assert main(["export", "--upload", second, "-o", str(out)]) == 0
    capsys.readouterr()
    facts = {row[0]: row[1] for row in openpyxl.load_workbook(out)["Summary"].iter_rows(values_only=True)}
    assert facts["Judged with"] == describe_baseline(judged)
    # only the upload's own rows are stored
    with wh.engine.connect() as conn:
        ids = conn.execute(sa.select(schema.anomaly_scores.c.transaction_id).where(
            schema.anomaly_scores.c.upload_id == second)).scalars().all()
    assert ids and min(ids) > 0


def test_preview_judges_with_the_same_history_as_materializing(pg_env, capsys, monkeypatch):
    tmp = pg_env["tmp"]
    _process(capsys, _ledger(tmp / "h1.json", "Acme AB", "2025-01-01", "2025-06-30", weekend_every=2))
    second = _process(capsys, _ledger(tmp / "h2.json", "Acme AB", "2025-07-01", "2025-12-31", saturdays=SATURDAYS))
    # a candidate that recomputes the weekend rule (another min_amount) and nothing else
    document = {"name": "candidate", "threshold": 0.05, "algorithms": {  # any weekend flag is an anomaly
        **{algo: {"enabled": False} for algo in ALGORITHMS},
        "weekend_posting": {"enabled": True, "weight": 1.0, "config": {"min_amount": 1200.0}}}}
    (tmp / "candidate.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    assert main(["strategies", "create", "candidate", "--from", str(tmp / "candidate.yaml")]) == 0
    capsys.readouterr()
    assert main(["strategies", "preview", "candidate", "--upload", second, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["recomputed"] == ["weekend_posting"]
    assert report["flagged_transactions"] == 0  # with the history, as the job judges it
    monkeypatch.setenv("ENTITY_HISTORY_ROWS", "0")  # without it, the Saturdays stand out
    assert main(["strategies", "preview", "candidate", "--upload", second, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["flagged_transactions"] == 4
