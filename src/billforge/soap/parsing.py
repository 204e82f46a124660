"""Hardened XML parsing for SOAP requests.

A SOAP request never needs a document type declaration, so none is accepted:

- a body over ``MAX_ENVELOPE_BYTES`` is refused before parsing;
- a ``<!DOCTYPE`` (or any other ``<!`` declaration) in the prolog is refused before parsing, so an
  entity-expansion bomb ("billion laughs") costs a scan of its prolog (however long the comments
  padding it), not its expansion;
- the parser itself resolves no entities, loads no DTD, never touches the network, keeps libxml2's
  default limits (``huge_tree=False``: depth and text-node size) and drops comments and processing
  instructions; a DOCTYPE that slipped past the scan (an unusual encoding) is refused after parsing.

One leniency: a root start tag whose attributes are not separated by whitespace (Zuora's own
generate() example is written so) is read as if they were.
"""

from __future__ import annotations

import codecs
from typing import Final

from lxml import etree

from billforge.errors import ErrorCode
from billforge.soap.faults import FaultKind, SoapFault

MAX_ENVELOPE_BYTES: Final = 4 * 1024 * 1024  # 50 zObjects of any type fit in a small fraction of this
_PROLOG_SCAN: Final = 64 * 1024
_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _refused(message: str) -> SoapFault:
    return SoapFault(FaultKind.UNEXPECTED_ERROR, ErrorCode.INVALID_VALUE, message)


def _parser() -> etree.XMLParser:
    # A parser is not thread-safe: one per request.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


def _head(payload: bytes, size: int = _PROLOG_SCAN) -> str:
    """The first ``size`` bytes of the document as text, decoded by its byte order mark (UTF-8
    without one). A BOM-less UTF-16 document starts with ``<`` and a NUL byte; it is decoded as such too."""
    head = payload[:size]
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, errors="replace")
    if head[:2] == b"<\x00":
        return head.decode("utf-16-le", errors="replace")
    if head[:2] == b"\x00<":
        return head.decode("utf-16-be", errors="replace")
    return head.decode("utf-8", errors="replace")


def _root_start(text: str) -> tuple[int, bool]:
    """Where the root element's start tag begins, and whether a ``<!`` declaration (a DOCTYPE) comes
    first; ``(-1, False)`` when the prolog does not end within ``text``."""
    position = 0
    while True:
        while position < len(text) and text[position] in " \t\r\n":
            position += 1
        if text.startswith("<?", position):
            end, close = text.find("?>", position + 2), 2
        elif text.startswith("<!--", position):
            end, close = text.find("-->", position + 4), 3
        elif text.startswith("<!", position):
            return position, True
        elif text.startswith("<", position):
            return position, False
        else:
            return -1, False
        if end < 0:
            return -1, False  # an unterminated prolog: the parser refuses it
        position = end + close


def has_declaration(payload: bytes) -> bool:
    """Whether the prolog (before the root element) holds a ``<!DOCTYPE`` or other ``<!`` declaration.
    A prolog longer than the first scan (comments padding a DOCTYPE past it) is scanned whole: the
    body is at most ``MAX_ENVELOPE_BYTES``, so the refusal never depends on the parser's own limits."""
    position, declared = _root_start(_head(payload))
    if position < 0 and len(payload) > _PROLOG_SCAN:
        position, declared = _root_start(_head(payload, len(payload)))
    return declared


def _spaced_root_attributes(payload: bytes) -> bytes | None:
    """The document with a space put between attributes of the root start tag that were written
    without one (``xmlns:a="..."xmlns:b="..."``, as Zuora's published generate() example writes
    them, and as requests copied from it arrive); None when there is nothing to put right. Only a
    document the parser refused is retried this way."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        return None
    position, declared = _root_start(text[:_PROLOG_SCAN])
    if position < 0 or declared:
        return None
    position += 1
    while position < len(text) and text[position] not in " \t\r\n/>":
        position += 1  # the element name
    inserted: list[int] = []
    while position < len(text):
        while position < len(text) and text[position] in " \t\r\n":
            position += 1
        if position >= len(text) or text[position] in "/>":
            break
        equals = text.find("=", position)
        if equals < 0:
            return None
        position = equals + 1
        while position < len(text) and text[position] in " \t\r\n":
            position += 1
        if position >= len(text) or text[position] not in "\"'":
            return None
        closing = text.find(text[position], position + 1)
        if closing < 0:
            return None
        position = closing + 1
        if position < len(text) and text[position] not in " \t\r\n/>":
            inserted.append(position)
    if not inserted:
        return None
    for at in reversed(inserted):
        text = text[:at] + " " + text[at:]
    return text.encode("utf-8")


def parse(payload: bytes) -> etree._Element:
    """The root element of a request body, or a fault saying why the body is refused."""
    if len(payload) > MAX_ENVELOPE_BYTES:
        raise _refused(f"the request is {len(payload)} bytes; a SOAP request may have at most {MAX_ENVELOPE_BYTES}")
    if not payload.strip():
        raise _refused("the request body is empty: send a SOAP 1.1 envelope")
    if has_declaration(payload):
        raise _refused("the request has a document type declaration (DOCTYPE); SOAP requests must not have one")
    try:
        root = etree.fromstring(payload, _parser())
    except etree.XMLSyntaxError as error:
        repaired = _spaced_root_attributes(payload)
        if repaired is None:
            raise _refused(f"the request is not well-formed XML: {error}") from None
        try:
            root = etree.fromstring(repaired, _parser())
        except etree.XMLSyntaxError:
            raise _refused(f"the request is not well-formed XML: {error}") from None
    if root.getroottree().docinfo.internalDTD is not None:  # set by any DOCTYPE, with or without a subset
        raise _refused("the request has a document type declaration (DOCTYPE); SOAP requests must not have one")
    return root
