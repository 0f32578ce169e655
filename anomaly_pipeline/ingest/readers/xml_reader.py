"""XML: parsed safely, then dispatched by root element to the camt (ISO 20022) or SAF-T Financial reader."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from anomaly_pipeline.ingest.base import ReadResult
from anomaly_pipeline.ingest.errors import RejectedFile
from anomaly_pipeline.ingest.readers.camt_reader import CAMT_MESSAGES, read_camt
from anomaly_pipeline.ingest.readers.saft_reader import read_saft

XSD_NS = "http://www.w3.org/2001/XMLSchema"
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT_START = re.compile(rb"<[A-Za-z_]")
_MESSAGE_ID = re.compile(r"([a-z]{4}\.\d{3}\.\d{3}\.\d{2})")
_MAX_SEARCH_DEPTH = 3  # a camt Document may sit inside an envelope (e.g. a business application header)


def parse_xml(data: bytes) -> etree._Element:
    """The root element, parsed without entities, DTDs or network access.

    DOCTYPE and ENTITY declarations are refused before parsing (XXE, billion laughs); libxml2 without huge_tree
    bounds nesting depth (256) and text node size.
    """
    root_start = _ROOT_START.search(data)
    prolog = data[: root_start.start()] if root_start else data[:65536]
    if _DTD.search(prolog):
        raise RejectedFile("the XML document declares a DOCTYPE/ENTITY: refused for safety (external or "
                           "recursive entities, XXE); financial XML formats never need one")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise RejectedFile(f"malformed XML: {exc.msg}") from None
    if root is None:
        raise RejectedFile("the XML document has no root element")
    if root.getroottree().docinfo.doctype:
        raise RejectedFile("the XML document declares a DOCTYPE: refused for safety (XXE)")
    return root


def split_tag(tag: str) -> tuple[str, str]:
    """(namespace, local name) of a Clark-notation tag."""
    if tag.startswith("{"):
        ns, local = tag[1:].split("}", 1)
        return ns, local
    return "", tag


def read_xml(path: Path, data: bytes) -> ReadResult:
    root = parse_xml(data)
    ns, local = split_tag(root.tag)
    if local == "schema" and ns == XSD_NS:
        target = root.get("targetNamespace")
        raise RejectedFile(f"{path.name} is an XML schema (XSD{f' for {target}' if target else ''}), not data")
    if local == "AuditFile":
        return read_saft(root)
    document = _find_document(root)
    if document is not None:
        message = _message_element(document)
        if message is not None and split_tag(message.tag)[1] in CAMT_MESSAGES:
            return read_camt(document, message)
        doc_ns = split_tag(document.tag)[0]
        kind = _MESSAGE_ID.search(doc_ns)
        inner = split_tag(message.tag)[1] if message is not None else "nothing"
        raise RejectedFile(f"unsupported XML document: root element {root.tag} of "
                           f"{kind.group(1) if kind else 'an unknown ISO 20022 message'} (containing {inner}); "
                           "supported: camt.052, camt.053, camt.054 and SAF-T Financial")
    raise RejectedFile(f"unsupported XML document: root element {root.tag}; supported: ISO 20022 camt.052/053/054 "
                       "and SAF-T Financial (AuditFile)")


def _find_document(root: etree._Element) -> etree._Element | None:
    level = [root]
    for _ in range(_MAX_SEARCH_DEPTH):
        for element in level:
            if split_tag(element.tag)[1] == "Document":
                return element
        level = [child for element in level for child in element if isinstance(child.tag, str)]
    return None


def _message_element(document: etree._Element) -> etree._Element | None:
    return next((child for child in document if isinstance(child.tag, str)), None)
