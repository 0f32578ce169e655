"""What the Dagster UI shows for a materialization: counts per test, source details and SVG plots."""

from __future__ import annotations

import base64
import re
from xml.etree import ElementTree

import dagster as dg
import numpy as np
import pandas as pd

from anomaly_pipeline.definitions import defs
from anomaly_pipeline.detect.registry import ALGORITHMS
from anomaly_pipeline.ingest.files import sha256_file
from anomaly_pipeline.orchestration.partitions import partition_key_for
from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.warehouse import Warehouse

LEDGER = """Datum;Verifikation;Konto;Belopp;Text
2024-03-04;V1;1910;-500,00;Kassaöverföring från växelkassan
2024-03-04;V1;6110;500,00;Kontorsmaterial
2024-03-09;V3;1930;-25759,62;Bank
2024-03-09;V3;4010;25759,62;Varor
2024-03-10;V4;1930;-1500,00;Bank
2024-03-10;V4;4010;1500,00;Varor
"""
SVG_NS = "http://www.w3.org/2000/svg"
SVG = re.compile(r"^!\[[^\]]+\]\(data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)\)$")


def _rows(markdown: str) -> list[dict[str, str]]:
    """The rows of a Markdown table as {header: cell}."""
    lines = [[cell.strip() for cell in line.strip().strip("|").split(" | ")] for line in markdown.splitlines()]
    return [dict(zip(lines[0], cells, strict=True)) for cells in lines[2:]]


def _svg(markdown: str) -> ElementTree.Element:
    """The image of a Markdown data-URI image, parsed as XML."""
    match = SVG.match(markdown)
    assert match, markdown[:80]
    return ElementTree.fromstring(base64.b64decode(match.group(1)))


def test_materializations_carry_counts_source_details_and_plots(pg_env):
    path = pg_env["tmp"] / "huvudbok.csv"
    path.write_bytes(LEDGER.encode("cp1252"))
    key = partition_key_for(sha256_file(path))
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("uploads", [key])
        result = defs.resolve_job_def("process_upload").execute_in_process(
            partition_key=key, instance=instance,
            run_config={"ops": {"raw_upload": {"config": {"path": str(path), "move": False}}},
                        "resources": {"scoring": {"config": {"strategy": "aggressive"}}}})
        assert result.success
        loaded = result.asset_materializations_for_node("transactions")[0].metadata
        assert loaded["source_file"].value == "huvudbok.csv"
        assert loaded["format"].value == "csv"
        assert loaded["encoding"].value in ("cp1252", "latin_1", "iso8859_15")  # not UTF-8: ö is one byte
        mapping = loaded["mapping"].value
        for canonical, header in (("posting_date", "Datum"), ("voucher_id", "Verifikation"), ("account", "Konto"),
                                  ("amount", "Belopp"), ("description", "Text")):
            assert re.search(rf"\|\s*{canonical}\s*\|\s*{header}\s*\|", mapping), mapping

        (observed,) = [e.event_specific_data.asset_observation for e in result.all_events
                       if e.event_type == dg.DagsterEventType.ASSET_OBSERVATION]
        assert observed.asset_key == dg.AssetKey("raw_upload") and observed.partition == key
        assert observed.metadata["encoding"] == loaded["encoding"] and observed.metadata["mapping"].value == mapping

        risk = result.asset_materializations_for_node("transaction_risk")[0].metadata
        assert list(risk)[:3] == ["top_20", "risk_histogram", "flagged_over_time"]  # what a reviewer reads first
        assert risk["transactions"].value == 6
        assert risk["judged_with"].value == "this upload alone"  # no entity named: no earlier uploads of it
        assert risk["flagged"].value == 4
        assert not [k for k in risk if k.startswith("flagged_") and k not in (
            "flagged_share", "flagged_vouchers", "flagged_over_time")]  # one table, not a row per algorithm
        per_algorithm = _rows(risk["per_algorithm"].value)
        assert len(per_algorithm) == len(ALGORITHMS)
        assert per_algorithm[0]["algorithm"] == "weekend_posting"  # most flags first
        assert per_algorithm[0]["flagged"] == "4"  # Saturday and Sunday lines, min_amount 0 in aggressive
        assert per_algorithm[0]["status"] == "ran" and per_algorithm[0]["type"] == "rule"
        top = _rows(risk["top_20"].value)
        assert sorted(r["amount"] for r in top) == ["-1500.00", "-25759.62", "1500.00", "25759.62"]  # exact
        stored = Warehouse(pg_env["DATABASE_URL"]).read_table(schema.transaction_risk, upload_id=key) \
            .set_index("transaction_id")["reasons"]
        for row in top:  # whole reasons, or cut after a whole word
            reasons, cell = str(stored[int(row["transaction_id"])]), row["reasons"]
            assert cell == reasons or (cell.endswith("…") and reasons.startswith(cell[:-1])
                                       and reasons[len(cell) - 1] in " ;,")
        # the four flagged lines' risks fall in these bins of 40 over [0, 1]; one point per flagged line
        scores = Warehouse(pg_env["DATABASE_URL"]).read_table(schema.transaction_risk, upload_id=key)["risk_score"]
        histogram = _svg(risk["risk_histogram"].value)
        assert histogram.tag == f"{{{SVG_NS}}}svg"
        bars = histogram.findall(f".//{{{SVG_NS}}}rect[@class='bar']")
        assert len(bars) == len(set(np.minimum((scores[scores > 0] * 40).astype(int), 39)))
        assert f"Risk scores > 0: {(scores > 0).sum()} of 6 transactions" in set(histogram.itertext())
        over_time = _svg(risk["flagged_over_time"].value)
        assert len(over_time.findall(f".//{{{SVG_NS}}}circle")) == 4
        assert {"2024-03-09", "2024-03-10"} <= set(over_time.itertext())  # the weekend's dates label the axis

        # a re-materialization of raw_upload shows what the reader found the first time
        again = defs.resolve_job_def("process_upload").execute_in_process(
            partition_key=key, instance=instance, asset_selection=[dg.AssetKey("raw_upload")])
        raw = again.asset_materializations_for_node("raw_upload")[0].metadata
        assert raw["source_file"].value == "huvudbok.csv"
        assert raw["encoding"].value == loaded["encoding"].value
        assert raw["mapping"].value == mapping


def test_plots_stay_small_and_say_what_they_leave_out():
    from anomaly_pipeline.orchestration import plots

    many = pd.Series(pd.date_range("2020-01-01", periods=50_000, freq="h"))
    image = _svg(plots.flagged_amounts_over_time(many, pd.Series(np.arange(50_000, dtype="float64") - 10)))
    assert len(image.findall(f".//{{{SVG_NS}}}circle")) == plots.MAX_POINTS
    assert f"Flagged transactions over time: 50000 ({plots.MAX_POINTS} shown)" in set(image.itertext())
    none = _svg(plots.flagged_amounts_over_time(pd.Series([], dtype="datetime64[ns]"), pd.Series([], dtype="float64")))
    assert "no flagged transactions with a date" in set(none.itertext())
    empty = _svg(plots.risk_histogram(pd.Series([0.0, 0.0]), 0.6))
    assert not empty.findall(f".//{{{SVG_NS}}}rect[@class='bar']")
    assert {"Risk scores > 0: 0 of 2 transactions", "threshold 0.6"} <= set(empty.itertext())
