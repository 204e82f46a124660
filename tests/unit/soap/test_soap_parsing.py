"""Hardened parsing of SOAP requests: DOCTYPEs refused before parsing, the one leniency for the
seed's run-together attributes, size limits."""

from __future__ import annotations

import time

import pytest
from lxml import etree

from billforge.soap import parsing
from billforge.soap.faults import SoapFault

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


@pytest.mark.parametrize(
    ("payload", "declared"),
    [
        (b"<!DOCTYPE a><a/>", True),
        (b'<?xml version="1.0"?>\n<!DOCTYPE a [<!ENTITY x "y">]><a/>', True),
        (b"<!-- a comment --><?pi data?>  <!DOCTYPE a><a/>", True),
        (b"\xef\xbb\xbf<!DOCTYPE a><a/>", True),  # a UTF-8 byte order mark first
        ("<!DOCTYPE a><a/>".encode("utf-16"), True),
        ("<!DOCTYPE a><a/>".encode("utf-16-be"), True),  # no BOM: told by the NUL byte
        (b'<?xml version="1.0"?><a>&lt;!DOCTYPE a&gt;</a>', False),  # in text, not a declaration
        (b"<a><![CDATA[<!DOCTYPE a>]]></a>", False),
        (b"<!-- <!DOCTYPE a> --><a/>", False),
        (b"<a/>", False),
    ],
)
def test_a_declaration_is_found_in_the_prolog_only(payload: bytes, declared: bool) -> None:
    assert parsing.has_declaration(payload) is declared


def test_a_doctype_padded_past_the_first_scan_is_still_refused_before_parsing() -> None:
    # 100 KB of comment (more than the 64 KB scanned first), then the billion laughs: 10 entities,
    # each ten of the one before, so &lol9; is 10^9 "lol"s (3 GB) if ever expanded.
    entities = "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10)
    )
    payload = (
        '<?xml version="1.0"?><!--' + "x" * 100_000 + '--><!DOCTYPE l [<!ENTITY lol "lol">' + entities + "]>"
        f'<S:Envelope xmlns:S="{SOAP_ENV}"><S:Body><login>&lol9;</login></S:Body></S:Envelope>'
    ).encode()
    assert parsing.has_declaration(payload)
    started = time.perf_counter()
    with pytest.raises(SoapFault) as refused:
        parsing.parse(payload)
    assert time.perf_counter() - started < 0.5
    assert "DOCTYPE" in refused.value.message  # the declaration, not the parser's expansion limit
    assert not parsing.has_declaration(b"<!--" + b"x" * 100_000 + b"--><a/>")
    assert not parsing.has_declaration(b"<!--" + b"x" * 100_000)  # an unterminated prolog: the parser refuses it


def test_run_together_root_attributes_are_read_as_if_spaced() -> None:
    written = (f'<S:Envelope xmlns:S="{SOAP_ENV}"xmlns:b="urn:b"xmlns:c=\'urn:c\' a=\'x"y\'/>').encode()
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(written)
    root = parsing.parse(written)
    assert root.nsmap == {"S": SOAP_ENV, "b": "urn:b", "c": "urn:c"}
    assert root.get("a") == 'x"y'  # a quote inside a value is left alone


def test_only_the_root_start_tag_is_put_right() -> None:
    with pytest.raises(SoapFault, match="not well-formed"):
        parsing.parse(b'<a x="1"><b y="1"z="2"/></a>')


def test_a_well_formed_document_is_parsed_as_is() -> None:
    root = parsing.parse(b'<?xml version="1.0" encoding="UTF-8"?><!-- c --><a x="1"><?pi?><b>t</b></a>')
    assert [child.tag for child in root] == ["b"]  # comments and processing instructions dropped


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"<a>", "not well-formed"),
        (b"<a>&x;</a>", "not well-formed"),
        (b"<!DOCTYPE a [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><a>&x;</a>", "DOCTYPE"),
        (b"<a>" + b"x" * parsing.MAX_ENVELOPE_BYTES + b"</a>", "at most"),
    ],
)
def test_refusals_are_faults_that_say_why(payload: bytes, words: str) -> None:
    with pytest.raises(SoapFault) as refused:
        parsing.parse(payload)
    assert refused.value.faultcode == "fns:INVALID_VALUE"
    assert words in refused.value.message
