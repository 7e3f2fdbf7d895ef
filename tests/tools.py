"""External tools the suite needs. A missing one skips a check locally, but fails
it when CARBONDOT_REQUIRE_BROWSER is set (CI), so CI never silently skips."""
import os
import shutil

import pytest


def zbarimg() -> str:
    """The zbarimg binary (apt-get install zbar-tools)."""
    path = shutil.which("zbarimg")
    if path:
        return path
    if os.environ.get("CARBONDOT_REQUIRE_BROWSER"):
        pytest.fail("zbarimg is missing but CARBONDOT_REQUIRE_BROWSER is set: apt-get install zbar-tools")
    pytest.skip("zbarimg not installed (apt-get install zbar-tools); CI installs it")


# Tesseract's OpenMP threads make a read depend on the machine's load (a date read as "征" beside two busy
# processes); one thread reads the same picture the same way every time.
TESSERACT_ENV = {**os.environ, "OMP_THREAD_LIMIT": "1"}


def tesseract() -> str:
    """The tesseract binary with its Simplified Chinese data (apt-get install tesseract-ocr tesseract-ocr-chi-sim)."""
    import subprocess

    path = shutil.which("tesseract")
    if path:
        langs = subprocess.run([path, "--list-langs"], capture_output=True, text=True, timeout=60).stdout.split()
        if "chi_sim" in langs:
            return path
    if os.environ.get("CARBONDOT_REQUIRE_BROWSER"):
        pytest.fail("tesseract with chi_sim is missing but CARBONDOT_REQUIRE_BROWSER is set: "
                    "apt-get install tesseract-ocr tesseract-ocr-chi-sim")
    pytest.skip("tesseract or its chi_sim data not installed (apt-get install tesseract-ocr tesseract-ocr-chi-sim); "
                "CI installs them")


def pdftotext() -> str:
    """poppler's pdftotext (apt-get install poppler-utils): fails, never skips, where CI requires it."""
    path = shutil.which("pdftotext")
    if path:
        return path
    if os.environ.get("CARBONDOT_REQUIRE_BROWSER"):
        pytest.fail("pdftotext is missing but CARBONDOT_REQUIRE_BROWSER is set: apt-get install poppler-utils")
    pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")
