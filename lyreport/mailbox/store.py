"""What fetch remembers between runs: UIDVALIDITY and last UID per folder, and every message kept.

A small sqlite file under history/ (not the config). A message is recorded only after its .eml is in
place, so a fetch that is killed simply fetches that message again next time.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

DB_NAME = "mailbox.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS folders (
    mailbox TEXT NOT NULL, folder TEXT NOT NULL, uidvalidity INTEGER NOT NULL, last_uid INTEGER NOT NULL,
    since TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (mailbox, folder));
CREATE TABLE IF NOT EXISTS messages (
    key TEXT PRIMARY KEY, path TEXT NOT NULL, internaldate TEXT NOT NULL,
    mailbox TEXT NOT NULL, folder TEXT NOT NULL, uidvalidity INTEGER NOT NULL, uid INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS signatures (key TEXT PRIMARY KEY, signature TEXT NOT NULL);
"""


@dataclass
class Kept:
    path: str  # relative to the inbox
    internaldate: datetime


class Store:
    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(folder / DB_NAME, isolation_level=None, timeout=30)
        # WAL without a sync per commit: a crash may forget the last few messages kept, and the next
        # fetch simply writes the same files again under the same names.
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(_SCHEMA)

    def close(self) -> None:
        self.conn.close()

    def last_uid(self, mailbox: str, folder: str, uidvalidity: int, since: date | None) -> int:
        """The last UID looked at in this folder; 0 (re-scan) when unknown, when UIDVALIDITY changed, or
        when this fetch reaches further back than the earlier ones did (older mail was never looked at)."""
        row = self.conn.execute(
            "SELECT uidvalidity, last_uid, since FROM folders WHERE mailbox=? AND folder=?", (mailbox, folder)
        ).fetchone()
        if not row or int(row[0]) != uidvalidity:
            return 0
        covered = row[2]  # "" = everything was looked at
        if covered and (since is None or since.isoformat() < covered):
            return 0
        return int(row[1])

    def start(self, mailbox: str, folder: str, uidvalidity: int, since: date | None) -> None:
        """A scan from the first UID begins: it covers mail from `since` on (all mail when None).

        last_uid restarts at 0 so a scan cut short resumes where it stopped; mail already kept is
        recognised by Message-ID and costs only its envelope.
        """
        self.conn.execute(
            "INSERT OR REPLACE INTO folders VALUES (?,?,?,0,?)",
            (mailbox, folder, uidvalidity, since.isoformat() if since else ""),
        )

    def advance(self, mailbox: str, folder: str, uidvalidity: int, uid: int) -> None:
        self.conn.execute(
            "UPDATE folders SET last_uid=max(last_uid, ?) WHERE mailbox=? AND folder=? AND uidvalidity=?",
            (uid, mailbox, folder, uidvalidity),
        )

    def kept(self, key: str) -> Kept | None:
        row = self.conn.execute("SELECT path, internaldate FROM messages WHERE key=?", (key,)).fetchone()
        return Kept(row[0], datetime.fromisoformat(row[1])) if row else None

    def keep(
        self,
        key: str,
        path: str,
        when: datetime,
        mailbox: str,
        folder: str,
        uidvalidity: int,
        uid: int,
        signature: str = "",
    ) -> None:
        """Record a message (and what tells it from another reusing its Message-ID) and advance its folder in one
        transaction."""
        with self.conn:
            self.conn.execute("BEGIN")
            self.conn.execute(
                "INSERT OR REPLACE INTO messages VALUES (?,?,?,?,?,?,?)",
                (key, path, when.isoformat(), mailbox, folder, uidvalidity, uid),
            )
            if signature:
                self.conn.execute("INSERT OR REPLACE INTO signatures VALUES (?,?)", (key, signature))
            self.advance(mailbox, folder, uidvalidity, uid)

    def signature(self, key: str) -> str | None:
        """Date, subject and sender of the message kept under `key` (as fetch.signature), when recorded."""
        row = self.conn.execute("SELECT signature FROM signatures WHERE key=?", (key,)).fetchone()
        return str(row[0]) if row else None

    def earlier(self, key: str, when: datetime) -> None:
        self.conn.execute("UPDATE messages SET internaldate=? WHERE key=?", (when.isoformat(), key))
