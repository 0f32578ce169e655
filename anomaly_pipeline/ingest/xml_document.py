"""XML parsed safely (no DTDs, entities or network) and its tags split: shared by the XML readers."""

from __future__ import annotations

import re

from lxml import etree

from anomaly_pipeline.ingest.errors import RejectedFile

XSD_NS = "http://www.w3.org/2001/XMLSchema"
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT_START = re.compile(rb"<[A-Za-z_]")
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


def find_document(root: etree._Element) -> etree._Element | None:
    """The ISO 20022 `Document` element: the root, or inside an envelope."""
    level = [root]
    for _ in range(_MAX_SEARCH_DEPTH):
        for element in level:
            if split_tag(element.tag)[1] == "Document":
                return element
        level = [child for element in level for child in element if isinstance(child.tag, str)]
    return None


def message_element(document: etree._Element) -> etree._Element | None:
    return next((child for child in document if isinstance(child.tag, str)), None)
