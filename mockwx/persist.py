"""Where state survives a restart: an embedded SQLite file with one owner, or nothing (in memory).

Every record (tenant, order, refund, notification...) is one JSON row keyed by (kind, key): compact
UTF-8 text, the dataclass's fields in order, encoded by orjson straight from the record (no
intermediate dict; the text is the same ``json.dumps(asdict(record))`` gave before, so older files
read as they are). Records reach the file in batches (:meth:`SqlitePersistence.write`), each one
SQLite transaction: a batch lands whole or not at all. The database runs in WAL mode with
synchronous=NORMAL: a commit reaches the operating system before the answer leaves, so a killed
process (kill -9) loses nothing; only a power cut can lose the last moments.

A state file has one owner: an exclusive lock on ``<file>.lock`` (released by the kernel when the
process dies, kill -9 included) keeps a second mock from writing the same file. The file's
identity (device, inode) is remembered, so a file deleted or replaced while the mock runs is
noticed before the next write (:meth:`SqlitePersistence.intact`).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

SCHEMA_VERSION = 1


class StateFileError(Exception):
    """The state file cannot be used (a directory, read-only, corrupt, taken by another mock...)."""


class StorageError(Exception):
    """A write did not reach the state file (disk full, file gone...): nothing of the batch was stored."""


class NoPersistence:
    """In memory only: nothing is written, nothing is loaded."""

    enabled = False
    location = ":memory:"
    transactions = 0
    records_written = 0

    def write(
        self,
        rows: Iterable[tuple[str, str, Any]],
        meta: dict[str, str] | None = None,
        *,
        replace: bool = False,
    ) -> None:
        pass

    def load(self, kind: str, key: str) -> dict[str, Any] | None:
        return None

    def rows(self) -> Iterator[tuple[str, dict[str, Any]]]:
        return iter(())

    def get_meta(self, name: str) -> str | None:
        return None

    def set_meta(self, name: str, value: str) -> None:
        pass

    def intact(self) -> bool:
        return True

    def reopen(self) -> None:
        pass

    def close(self) -> None:
        pass


class StateLock:
    """An exclusive, advisory lock on ``<path>.lock`` holding the owner's pid, released on close or death."""

    def __init__(self, path: str) -> None:
        self.path = path + ".lock"
        try:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StateFileError(f"cannot create the lock file {self.path}: {exc.strerror}") from None
        if not _try_lock(self._fd):
            owner = _read_owner(self._fd)
            os.close(self._fd)
            raise StateFileError(
                f"{path} is in use by another mockwx ({owner}); stop that one, or start this one with"
                " --db OTHER.sqlite3 (its own state) or --memory (no state file)"
            )
        os.ftruncate(self._fd, 0)
        os.write(self._fd, f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}".encode())

    def intact(self) -> bool:
        """Is ``<path>.lock`` still the file this lock is held on (not deleted or replaced)?"""
        try:
            here, held = os.stat(self.path), os.fstat(self._fd)
        except OSError:
            return False
        return (here.st_dev, here.st_ino) == (held.st_dev, held.st_ino)

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = -1


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - the project's CI runs on Linux
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _read_owner(fd: int) -> str:
    try:
        text = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    return text or "owner unknown"


class SqlitePersistence:
    """State in one SQLite file (created with its folder on first use), owned by this process."""

    enabled = True

    def __init__(self, path: str) -> None:
        self.location = os.path.abspath(path)
        if os.path.isdir(self.location):
            raise StateFileError(f"{path} is a directory; --db takes a file name, like {path}/state.sqlite3")
        folder = os.path.dirname(self.location)
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as exc:
            raise StateFileError(f"cannot create the folder {folder} for the state file: {exc.strerror}") from None
        self._lock = StateLock(self.location)
        self.transactions = 0  # committed write transactions, and the records they held (group commit's yield)
        self.records_written = 0
        try:
            self._open()
        except StateFileError:
            self._lock.release()
            raise

    def _open(self) -> None:
        try:
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
        except (sqlite3.Error, StorageError) as exc:
            raise StateFileError(f"cannot use {self.location} as the state file: {_reason(exc)}") from None
        if int(version or SCHEMA_VERSION) > SCHEMA_VERSION:
            raise StateFileError(
                f"{self.location} was written by a newer mockwx (schema {version}, this one knows"
                f" {SCHEMA_VERSION}); upgrade mockwx or start with another --db file"
            )
        stat = os.stat(self.location)
        self._identity = (stat.st_dev, stat.st_ino)

    # -- writes ---------------------------------------------------------------------------------

    def write(
        self,
        rows: Iterable[tuple[str, str, Any]],
        meta: dict[str, str] | None = None,
        *,
        replace: bool = False,
    ) -> None:
        """One transaction: every row (a record, or its dict form) and meta value is stored, or none is
        (StorageError).

        ``replace`` (a reset) first deletes every record and every meta value but the schema version and
        the run counter (ids stay unique over the file's life), in the same transaction: the file then
        holds exactly ``rows``, or, if anything fails, exactly what it held before.
        """
        params = [(kind, key, encode(record)) for kind, key, record in rows]
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                if replace:
                    db.execute("DELETE FROM records")
                    db.execute("DELETE FROM meta WHERE name NOT IN ('schema_version', 'runs')")
                db.executemany(
                    "INSERT INTO records (kind, key, data) VALUES (?, ?, ?)"
                    " ON CONFLICT (kind, key) DO UPDATE SET data = excluded.data",
                    params,
                )
                if meta:
                    db.executemany(
                        "INSERT INTO meta (name, value) VALUES (?, ?)"
                        " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                        list(meta.items()),
                    )
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise StorageError(f"the state file {self.location} could not be written: {_reason(exc)}") from None
        self.transactions += 1
        self.records_written += len(params)

    def set_meta(self, name: str, value: str) -> None:
        self.write((), {name: value})

    # -- reads ----------------------------------------------------------------------------------

    def load(self, kind: str, key: str) -> dict[str, Any] | None:
        """The stored form of one record, or None; StorageError when the file cannot be read."""
        try:
            row = self._db.execute("SELECT data FROM records WHERE kind = ? AND key = ?", (kind, key)).fetchone()
        except sqlite3.Error as exc:
            raise StorageError(f"the state file {self.location} could not be read: {_reason(exc)}") from None
        return orjson.loads(row[0]) if row else None

    def rows(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for kind, data in self._db.execute("SELECT kind, data FROM records ORDER BY rowid"):
            yield kind, orjson.loads(data)

    def get_meta(self, name: str) -> str | None:
        try:
            row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        except sqlite3.Error as exc:
            raise StorageError(f"the state file {self.location} could not be read: {_reason(exc)}") from None
        return row[0] if row else None

    # -- the file itself ------------------------------------------------------------------------

    def intact(self) -> bool:
        """Is the file at ``location`` still the one this connection writes (not deleted or replaced)?"""
        try:
            stat = os.stat(self.location)
        except OSError:
            return False
        return (stat.st_dev, stat.st_ino) == self._identity

    def reopen(self) -> None:
        """Create the file at ``location`` afresh after it was deleted, as its owner again.

        Refused (StorageError, the current connection kept: its deleted file still answers what is
        stored) when the folder cannot be made, when another mockwx holds the lock at ``location`` now
        (``rm -rf .mockwx`` and a second mock started there), or when another file is there: a mockwx
        never adopts a file it did not create. The old connection is closed before the new one opens,
        as it must be: SQLite removes ``<file>-wal`` by name when a connection closes.
        """
        folder = os.path.dirname(self.location)
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot re-create the folder {folder} of the state file: {exc.strerror}") from None
        lock = self._lock
        if not lock.intact():
            try:
                lock = StateLock(self.location)
            except StateFileError as exc:
                raise StorageError(str(exc)) from None
        if os.path.lexists(self.location):
            if lock is not self._lock:
                lock.release()
            raise StorageError(
                f"{self.location} is another file now, one this mockwx did not create, and it will not write into"
                " it: move that file away (the next write re-creates the state file from memory), or stop this mockwx"
            )
        if lock is not self._lock:
            self._lock.release()
            self._lock = lock
        self._db.close()
        try:
            self._open()
        except StateFileError as exc:
            for leftover in ("", "-wal", "-shm"):  # half made: gone, so that the next write tries again
                with contextlib.suppress(OSError):
                    os.remove(self.location + leftover)
            raise StorageError(str(exc)) from None

    def close(self) -> None:
        try:
            self._db.close()
        finally:
            self._lock.release()


def encode(record: Any) -> str:
    """A record's stored text: compact JSON with its fields in order, non-ASCII kept as UTF-8.

    orjson reads the dataclass directly (one C call, about 20 times cheaper than ``dataclasses.asdict``,
    a deep copy, and ``json.dumps``) and writes the same text they did (tests/test_group_commit.py).
    """
    try:
        return orjson.dumps(record).decode("utf-8")
    except orjson.JSONEncodeError as exc:  # text that is not Unicode (a lone surrogate), a value JSON cannot hold
        raise StorageError(f"a {type(record).__name__} record could not be encoded as JSON: {exc}") from None


def _reason(exc: BaseException) -> str:
    text = str(exc)
    if "readonly" in text:
        return "it is read-only"
    if "not a database" in text:
        return "it is not a SQLite database (corrupt, or another kind of file)"
    if "unable to open" in text:
        return "it cannot be opened (check the path and its permissions)"
    if "disk is full" in text or "database or disk is full" in text:
        return "the disk (or the database) is full"
    return text


def open_persistence(path: str | None) -> NoPersistence | SqlitePersistence:
    """SQLite at ``path``, or in memory when ``path`` is None or ``:memory:``; StateFileError if unusable."""
    if path is None or path == ":memory:":
        return NoPersistence()
    return SqlitePersistence(path)
