"""The embedded SQLite database: one connection on one dedicated thread, schema migrations by number.

Why one thread: sqlite3 calls block, so none may run on the event loop; a single worker thread
owns the connection, which makes every call serial within this process without any lock in
Python. Atomicity does not rest on that, though: the state changes that matter (PENDING -> PAID,
a refund settling) are conditional UPDATEs inside a transaction, and the ledger has UNIQUE
constraints, so the same code stays correct with several worker processes sharing the file.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

log = logging.getLogger("merchant.db")

T = TypeVar("T")

# (version, SQL): applied in order, each in its own transaction, once; PRAGMA user_version
# records the last one applied. Never edit a released step: append a new one.
MIGRATIONS: tuple[tuple[int, str], ...] = (
    (
        1,
        """
        CREATE TABLE sessions (
            token_hash  TEXT PRIMARY KEY,            -- sha256 of the bearer token, never the token
            openid      TEXT NOT NULL,
            session_key TEXT NOT NULL,               -- stays here: never sent to the client
            created_at  REAL NOT NULL,
            expires_at  REAL NOT NULL
        );
        CREATE INDEX sessions_expiry ON sessions (expires_at);

        CREATE TABLE orders (
            out_trade_no      TEXT PRIMARY KEY,
            openid            TEXT NOT NULL,
            product_id        TEXT NOT NULL,
            quantity          INTEGER NOT NULL CHECK (quantity > 0),
            amount_fen        INTEGER NOT NULL CHECK (amount_fen > 0),
            description       TEXT NOT NULL,
            sign_type         TEXT NOT NULL,
            status            TEXT NOT NULL,
            wx_params         TEXT NOT NULL,         -- JSON: the exact unifiedorder business fields
            created_at        REAL NOT NULL,
            expires_at        REAL NOT NULL,
            prepay_id         TEXT,
            prepay_expires_at REAL,
            transaction_id    TEXT,
            paid_at           REAL,
            closed_at         REAL,
            refunded_fen      INTEGER NOT NULL DEFAULT 0 CHECK (refunded_fen >= 0 AND refunded_fen <= amount_fen),
            failure           TEXT
        );
        CREATE INDEX orders_by_owner ON orders (openid);
        CREATE INDEX orders_by_status ON orders (status, created_at);

        CREATE TABLE ledger (
            id             INTEGER PRIMARY KEY AUTOINCREMENT,
            out_trade_no   TEXT NOT NULL UNIQUE REFERENCES orders (out_trade_no),
            transaction_id TEXT NOT NULL UNIQUE,
            amount_fen     INTEGER NOT NULL CHECK (amount_fen > 0),
            source         TEXT NOT NULL,
            recorded_at    REAL NOT NULL
        );
        CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
        CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;

        CREATE TABLE refunds (
            out_refund_no TEXT PRIMARY KEY,
            out_trade_no  TEXT NOT NULL REFERENCES orders (out_trade_no),
            amount_fen    INTEGER NOT NULL CHECK (amount_fen > 0),
            status        TEXT NOT NULL,
            reason        TEXT NOT NULL,
            created_at    REAL NOT NULL,
            refund_id     TEXT,
            settled_at    REAL,
            failure       TEXT
        );
        CREATE INDEX refunds_by_order ON refunds (out_trade_no);
        """,
    ),
)


class Database:
    """Runs functions of a sqlite3 connection on the database's own thread: ``await db.run(fn)``."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="merchant-db")
        self._conn: sqlite3.Connection | None = None

    async def open(self) -> None:
        await self._submit(self._open)

    async def close(self) -> None:
        try:
            await self._submit(self._close)
        finally:
            self._executor.shutdown(wait=True)

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """``fn(connection)`` on the database thread."""
        return await self._submit(lambda: fn(self._connection()))

    async def _submit(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("the database is not open (create_app opens it on startup)")
        return self._conn

    def _open(self) -> None:
        # isolation_level=None: autocommit, and every multi-statement change opens its own
        # BEGIN IMMEDIATE so the write lock is taken before anything is read.
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        if self.path != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")  # readers do not wait for the writer
            conn.execute("PRAGMA synchronous = NORMAL")
        migrate(conn)
        self._conn = conn

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def migrate(conn: sqlite3.Connection) -> int:
    """Apply the migrations the database has not seen yet; the resulting schema version."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    latest = MIGRATIONS[-1][0]
    if current > latest:
        raise RuntimeError(
            f"the database is at schema version {current} but this merchant knows only up to {latest}:"
            " it was written by a newer version; upgrade the merchant or use another db_path"
        )
    for version, sql in MIGRATIONS:
        if version <= current:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version:d}")
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise
        log.info("database migrated to schema version %d", version)
    return latest


def _statements(script: str) -> list[str]:
    """Split a migration into statements, keeping CREATE TRIGGER ... END; blocks whole."""
    out: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                out.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        out.append(buffer.strip())
    return out
