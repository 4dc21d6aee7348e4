"""A disk that fills up: a real 1 MiB tmpfs when this process may mount one (root, as in CI's
container), else SQLite's authorizer refusing every write, the injection the suite used before.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
from pathlib import Path

from mockwx.testing.server import MockServer

SIZE = "1m"


class SmallDisk:
    """A folder for a state file, and a way to make its disk full and free it again."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.real = _mount(folder)
        self._filler = folder / "filler"

    @property
    def db(self) -> str:
        return str(self.folder / "state.sqlite3")

    def fill(self, mock: MockServer) -> None:
        """Make every later write of ``mock``'s state file fail as on a full disk."""
        if not self.real:
            writes = {sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE}
            db = mock.backend.persistence._db
            db.set_authorizer(lambda action, *args: sqlite3.SQLITE_DENY if action in writes else sqlite3.SQLITE_OK)
            return
        fd = os.open(self._filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for chunk in (65536, 4096, 512, 1):  # tmpfs hands out whole pages: smaller writes take what is left
                try:
                    while os.write(fd, b"\0" * chunk):
                        pass
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
        finally:
            os.close(fd)

    def free(self, mock: MockServer) -> None:
        if not self.real:
            mock.backend.persistence._db.set_authorizer(None)
            return
        self._filler.unlink(missing_ok=True)

    def close(self) -> None:
        if self.real:
            subprocess.run(["umount", "-l", str(self.folder)], check=False, capture_output=True)


def _mount(folder: Path) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", str(folder)], capture_output=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0
