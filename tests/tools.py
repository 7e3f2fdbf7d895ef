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
