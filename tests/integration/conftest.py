import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from svcnet_util import Server  # noqa: E402


@pytest.fixture(scope="module")
def server():
    s = Server(extra_args=["--lb-pool", "198.18.100.0/29", "--log-level", "info"]).start()
    yield s
    s.cleanup()
