import os
import pathlib
import shutil

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]
VECTORS = REPO / "test-vectors"
CACHE = pathlib.Path(os.environ.get("AUTHVERIFY_CACHE", pathlib.Path.home() / ".cache/authverify"))


def require_extras():
    """AUTHVERIFY_REQUIRE_EXTRAS=1 (set by .ci/run): a skip for want of data is a failure."""
    return os.environ.get("AUTHVERIFY_REQUIRE_EXTRAS") == "1"


def skip_or_fail(reason):
    if require_extras():
        pytest.fail(f"required: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def cli():
    """The authverify binary of this checkout (built by cargo), for comparisons."""
    exe = os.environ.get("AUTHVERIFY_BIN") or str(REPO / "target" / "debug" / "authverify")
    if not os.path.exists(exe):
        exe = shutil.which("authverify")
    if not exe:
        skip_or_fail("the authverify binary (cargo build -p authverify-cli, or AUTHVERIFY_BIN)")
    return exe
