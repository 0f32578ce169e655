"""Format name -> reader. Adding a format: one module in `readers/` and one entry here.

Every reader has the one signature of `base.Reader`: (source, settings, mapping). XML is one detected format
whose documents are read by a sub-format's reader (camt, SAF-T), chosen from the root element.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from anomaly_pipeline.ingest.base import Reader, ReadResult, Source
from anomaly_pipeline.ingest.readers import camt_reader, datev_reader, saft_reader, sie4_reader
from anomaly_pipeline.ingest.readers.camt_reader import read_camt
from anomaly_pipeline.ingest.readers.csv_reader import read_csv
from anomaly_pipeline.ingest.readers.excel_reader import read_xls, read_xlsx
from anomaly_pipeline.ingest.readers.json_reader import read_json
from anomaly_pipeline.ingest.readers.saft_reader import read_saft
from anomaly_pipeline.ingest.readers.sie4_reader import read_sie4
from anomaly_pipeline.ingest.readers.xml_reader import xml_format
from anomaly_pipeline.settings import Settings


@dataclass(frozen=True)
class Format:
    read: Reader
    takes_mapping: bool  # False: the format names its own fields; a user mapping makes no sense for it
    label: str
    sources: dict[str, str] = field(default_factory=dict)  # canonical field -> where the format keeps it

    def field_sources(self, metadata: dict) -> dict[str, str]:
        """Where each field came from, for formats with fixed fields (an XML file: its sub-format's)."""
        sub = XML_FORMATS.get(metadata.get("xml_format", ""))
        return sub.sources if sub is not None else self.sources


def _read_xml(source: Source, settings: Settings, mapping: dict[str, str] | None = None) -> ReadResult:
    sub = xml_format(source)
    result = XML_FORMATS[sub].read(source, settings, mapping)
    result.metadata.setdefault("xml_format", sub)
    return result


def _read_csv(source: Source, settings: Settings, mapping: dict[str, str] | None = None) -> ReadResult:
    """Delimited text; a DATEV Buchungsstapel (a CSV with its own header record) by its own reader."""
    if datev_reader.is_datev(source.data):
        return datev_reader.read_datev(source, settings, mapping)
    return read_csv(source, settings, mapping)


XML_FORMATS: dict[str, Format] = {
    "camt": Format(read_camt, takes_mapping=False, label="ISO 20022 camt.052/053/054", sources=camt_reader.FIELD_SOURCES),
    "saft": Format(read_saft, takes_mapping=False, label="SAF-T Financial", sources=saft_reader.FIELD_SOURCES),
}

FORMATS: dict[str, Format] = {
    "csv": Format(_read_csv, takes_mapping=True, label="CSV"),
    "json": Format(read_json, takes_mapping=True, label="JSON"),
    "xlsx": Format(read_xlsx, takes_mapping=True, label="Excel .xlsx"),
    "xls": Format(read_xls, takes_mapping=True, label="Excel .xls"),
    "sie4": Format(read_sie4, takes_mapping=False, label="SIE 4", sources=sie4_reader.FIELD_SOURCES),
    "xml": Format(_read_xml, takes_mapping=False, label="XML (camt, SAF-T)"),
}


def get_format(file_format: str) -> Format | None:
    return FORMATS.get(file_format)
