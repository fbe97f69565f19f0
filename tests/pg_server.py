"""A throwaway PostgreSQL cluster for the tests: initdb into a temporary folder,
the server on a Unix socket there (no TCP port to collide on), stopped at the end.

PostgreSQL refuses to run as root, so as root the cluster belongs to the
`postgres` user (Debian's package creates it) and its commands run through
runuser. Without the binaries the PostgreSQL tests skip, saying why, unless
FACTBOT_REQUIRE_POSTGRES=1 (CI sets it), where they fail instead.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

REQUIRE_ENV = "FACTBOT_REQUIRE_POSTGRES"


def bin_dir() -> Path | None:
    """Where initdb and pg_ctl are (None: PostgreSQL's server is not installed)."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True):
        return Path(candidate).parent
    return None


def unavailable(reason: str) -> None:
    """Skip, or fail when CI requires PostgreSQL."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"PostgreSQL tests cannot run ({REQUIRE_ENV}=1): {reason}")
    pytest.skip(f"PostgreSQL tests skipped: {reason} (apt-get install postgresql)")


@dataclass
class PgServer:
    bin_dir: Path
    root: Path
    user: str | None  # who runs the server (None: this user)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "run"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)

    def init(self) -> None:
        self.data.mkdir()
        self.socket_dir.mkdir()
        if self.user:
            entry = pwd.getpwnam(self.user)
            for path in (self.root, self.data, self.socket_dir):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        done = self._run("initdb", "-D", str(self.data), "-U", "factbot", "-A", "trust", "-N")
        if done.returncode:
            raise RuntimeError(f"initdb failed: {done.stderr}")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = ''\nunix_socket_directories = '{self.socket_dir}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "max_connections = 50\nshared_buffers = 32MB\n"
            )

    def start(self) -> None:
        done = self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-t", "60", "start"
        )
        if done.returncode:
            log = (self.root / "log").read_text() if (self.root / "log").exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {done.stderr}{log}")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://factbot@/{dbname}?host={self.socket_dir}"

    def create_database(self, name: str) -> str:
        done = self._run("createdb", "-h", str(self.socket_dir), "-U", "factbot", name)
        if done.returncode:
            raise RuntimeError(f"createdb failed: {done.stderr}")
        return self.url(name)


def start_server() -> PgServer:
    binaries = bin_dir()
    if binaries is None:
        unavailable("no initdb found on PATH or in /usr/lib/postgresql/*/bin")
    assert binaries is not None
    user = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            unavailable("running as root and there is no `postgres` user to run the server")
        user = "postgres"
    root = Path(tempfile.mkdtemp(prefix="factbot-pg-"))
    os.chmod(root, 0o755)
    server = PgServer(bin_dir=binaries, root=root, user=user)
    try:
        server.init()
        server.start()
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(root, ignore_errors=True)
        unavailable(str(exc))
    return server


@contextmanager
def throwaway_server() -> Iterator[PgServer]:
    """start_server(), stopped and deleted at the end."""
    server = start_server()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)
