"""Where state survives a restart: an embedded SQLite file, or nothing (in memory).

Every record (tenant, order, refund, notification...) is stored as one JSON row keyed by
(kind, key) and written when it changes, inside the request or job that changed it. The
database runs in WAL mode with synchronous=NORMAL: a commit reaches the operating system
before the answer leaves, so a killed process (kill -9) loses nothing; only a power cut can
lose the last moments.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from typing import Any

SCHEMA_VERSION = 1


class NoPersistence:
    """In memory only: nothing is written, nothing is loaded."""

    enabled = False
    location = ":memory:"

    def save(self, kind: str, key: str, data: dict[str, Any]) -> None:
        pass

    def delete(self, kind: str, key: str) -> None:
        pass

    def rows(self) -> Iterator[tuple[str, dict[str, Any]]]:
        return iter(())

    def get_meta(self, name: str) -> str | None:
        return None

    def set_meta(self, name: str, value: str) -> None:
        pass

    def clear(self) -> None:
        pass

    def close(self) -> None:
        pass


class SqlitePersistence:
    """State in one SQLite file (created with its folder on first use)."""

    enabled = True

    def __init__(self, path: str) -> None:
        self.location = os.path.abspath(path)
        folder = os.path.dirname(self.location)
        if folder:
            os.makedirs(folder, exist_ok=True)
        self._db = sqlite3.connect(self.location, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS records (kind TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL,"
            " PRIMARY KEY (kind, key))"
        )
        version = self.get_meta("schema_version")
        if version is None:
            self.set_meta("schema_version", str(SCHEMA_VERSION))
        elif int(version) > SCHEMA_VERSION:
            raise RuntimeError(
                f"{self.location} was written by a newer mockwx (schema {version}, this one knows"
                f" {SCHEMA_VERSION}); upgrade mockwx or start with another --db file"
            )

    def save(self, kind: str, key: str, data: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT INTO records (kind, key, data) VALUES (?, ?, ?)"
            " ON CONFLICT (kind, key) DO UPDATE SET data = excluded.data",
            (kind, key, json.dumps(data, ensure_ascii=False, separators=(",", ":"))),
        )

    def delete(self, kind: str, key: str) -> None:
        self._db.execute("DELETE FROM records WHERE kind = ? AND key = ?", (kind, key))

    def rows(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for kind, data in self._db.execute("SELECT kind, data FROM records ORDER BY rowid"):
            yield kind, json.loads(data)

    def get_meta(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def set_meta(self, name: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (name, value),
        )

    def clear(self) -> None:
        self._db.execute("DELETE FROM records")
        self._db.execute("DELETE FROM meta WHERE name != 'schema_version'")

    def close(self) -> None:
        self._db.close()


def open_persistence(path: str | None) -> NoPersistence | SqlitePersistence:
    """SQLite at ``path``, or in memory when ``path`` is None or ``:memory:``."""
    if path is None or path == ":memory:":
        return NoPersistence()
    return SqlitePersistence(path)
