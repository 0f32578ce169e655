"""What the Dagster UI shows for a materialization: counts per test, source details and PNG plots."""

from __future__ import annotations

import base64
import re

import dagster as dg

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
PNG = re.compile(r"^!\[[^\]]+\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)$")


def _rows(markdown: str) -> list[dict[str, str]]:
    """The rows of a Markdown table as {header: cell}."""
    lines = [[cell.strip() for cell in line.strip().strip("|").split(" | ")] for line in markdown.splitlines()]
    return [dict(zip(lines[0], cells, strict=True)) for cells in lines[2:]]


def _png(markdown: str) -> bytes:
    match = PNG.match(markdown)
    assert match, markdown[:80]
    return base64.b64decode(match.group(1))


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
        for name in ("risk_histogram", "flagged_over_time"):
            image = _png(risk[name].value)
            assert image.startswith(b"\x89PNG\r\n\x1a\n") and 2_000 < len(image) < 200_000

        # a re-materialization of raw_upload shows what the reader found the first time
        again = defs.resolve_job_def("process_upload").execute_in_process(
            partition_key=key, instance=instance, asset_selection=[dg.AssetKey("raw_upload")])
        raw = again.asset_materializations_for_node("raw_upload")[0].metadata
        assert raw["source_file"].value == "huvudbok.csv"
        assert raw["encoding"].value == loaded["encoding"].value
        assert raw["mapping"].value == mapping
