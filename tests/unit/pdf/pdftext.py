"""The text of a PDF, as ``pdftotext -layout`` (poppler-utils) reads it, no-break spaces made plain."""

from __future__ import annotations

import shutil
import subprocess

import pytest


def pdf_text(pdf: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: install poppler-utils (apt-get install -y poppler-utils)")
    assert pdf.startswith(b"%PDF-"), pdf[:40]
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode("utf-8").replace("\u00a0", " ")
