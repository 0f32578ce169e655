"""XML: which sub-format a document is (ISO 20022 camt or SAF-T Financial), from its root element."""

from __future__ import annotations

import re

from anomaly_pipeline.ingest.base import Source
from anomaly_pipeline.ingest.errors import RejectedFile
from anomaly_pipeline.ingest.readers.camt_reader import CAMT_MESSAGES
from anomaly_pipeline.ingest.xml_document import XSD_NS, find_document, message_element, split_tag

_MESSAGE_ID = re.compile(r"([a-z]{4}\.\d{3}\.\d{3}\.\d{2})")


def xml_format(source: Source) -> str:
    """'camt' or 'saft'; a schema, another ISO 20022 message or any other XML is rejected saying what it is."""
    root = source.xml_root
    ns, local = split_tag(root.tag)
    if local == "schema" and ns == XSD_NS:
        target = root.get("targetNamespace")
        raise RejectedFile(f"{source.name} is an XML schema (XSD{f' for {target}' if target else ''}), not data")
    if local == "AuditFile":
        return "saft"
    document = find_document(root)
    if document is not None:
        message = message_element(document)
        if message is not None and split_tag(message.tag)[1] in CAMT_MESSAGES:
            return "camt"
        kind = _MESSAGE_ID.search(split_tag(document.tag)[0])
        inner = split_tag(message.tag)[1] if message is not None else "nothing"
        raise RejectedFile(f"unsupported XML document: root element {root.tag} of "
                           f"{kind.group(1) if kind else 'an unknown ISO 20022 message'} (containing {inner}); "
                           "supported: camt.052, camt.053, camt.054 and SAF-T Financial")
    raise RejectedFile(f"unsupported XML document: root element {root.tag}; supported: ISO 20022 camt.052/053/054 "
                       "and SAF-T Financial (AuditFile)")
