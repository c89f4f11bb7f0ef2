"""pytest fixtures that start real processes (the harness package holds the processes themselves). Missing pieces
fail, never skip."""
import shutil
import tempfile
from pathlib import Path

import pytest

from harness import USERS, Apache, EchoApp, Gatehouse, Lighttpd, MockProvider, Nginx, server_factory


@pytest.fixture
def workdir():
    """A directory the nginx worker user can traverse (pytest's tmp_path is 0700)."""
    d = Path(tempfile.mkdtemp(prefix="gatehouse-test-"))
    d.chmod(0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def gatehouse_factory(workdir):
    started = []

    def make(**kwargs):
        g = Gatehouse(workdir, **kwargs)
        started.append(g)
        return g

    yield make
    for g in started:
        if g.proc and g.proc.poll() is None:
            g.proc.kill()
            g.proc.wait()


@pytest.fixture
def gatehouse(gatehouse_factory):
    return gatehouse_factory()


@pytest.fixture
def nginx_factory(workdir):
    yield from server_factory(workdir, Nginx)


@pytest.fixture
def mock_provider(workdir):
    p = MockProvider(workdir, USERS)
    yield p
    p.stop()


@pytest.fixture
def echo_app():
    app = EchoApp()
    yield app
    app.stop()


@pytest.fixture
def apache_factory(workdir):
    yield from server_factory(workdir, Apache)


@pytest.fixture
def lighttpd_factory(workdir):
    yield from server_factory(workdir, Lighttpd)
