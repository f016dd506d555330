import os
import pathlib
import shutil
import sys
import tempfile
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from svcnet_util import Server  # noqa: E402

LB_POOL = "198.18.100.0/29"


@pytest.fixture(scope="module")
def server():
    s = Server(extra_args=["--lb-pool", LB_POOL, "--log-level", "info"])
    try:
        yield s.start()
    finally:
        s.cleanup()


@pytest.fixture
def make_server():
    """Factory for servers private to one test: make_server("--flag", ...).
    Every server it made is stopped and its data dir removed afterwards."""
    made = []

    def make(*args, **kw):
        s = Server(extra_args=list(args), **kw)
        made.append(s)
        return s.start()

    try:
        yield make
    finally:
        for s in made:
            s.cleanup()


@pytest.fixture
def tmp_path():
    """Like pytest's tmp_path, but removed after the test (pytest keeps its
    own for a few runs)."""
    d = tempfile.mkdtemp(prefix="svcnet-it-tmp-")
    try:
        yield pathlib.Path(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def early_bookmark_watch():
    """A watch with allowWatchBookmarks opened when the session starts, on a
    server of its own. The server sends bookmarks every 30 s; opening the
    watch early lets the test that checks for one (in test_watch.py, which
    runs last) find it already there instead of waiting half a minute."""
    from svcnet_util import Watch
    s = Server()
    try:
        s.start()
        st, lst = s.request("GET", "/api/v1/namespaces/default/services")
        rv = int(lst["metadata"]["resourceVersion"])
        w = Watch(s, "/api/v1/namespaces/default/services?watch=1&allowWatchBookmarks=true"
                     "&resourceVersion=%d" % rv)
        w.opened_at = time.monotonic()
        w.opened_rv = rv
        yield w
        w.close()
    finally:
        s.cleanup()
