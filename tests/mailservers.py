"""Real mail servers for the mailbox tests: Dovecot (IMAP), aiosmtpd (SMTP), and two misbehaving TCP peers.

Dovecot tests skip when it is not installed locally, and fail in CI (CI=true), where .ci/run installs it.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from lyreport.mailbox import localserver

_CAPABILITY = re.compile(rb"CAPABILITY [^\r\n\]]*")
_MARK = "\n# ---- test mailboxes ----\n"
OFFICE, NDRC = "office@163.com", "ndrc@126.com"
PASSWORDS = {OFFICE: "auth-code-office", NDRC: "auth-code-ndrc"}


def require_dovecot() -> None:
    if localserver.available():
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("Dovecot is required in CI (.ci/run installs dovecot-imapd)")
    pytest.skip("Dovecot not installed")


def mail(
    subject: str,
    message_id: str | None,
    sent: datetime,
    attachments: dict[str, bytes] | None = None,
    sender: str = "unit@example.org",
    size_pad: int = 0,
) -> bytes:
    """A message as a unit's mail client sends it; `sent` is the sender-written Date header."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = OFFICE
    msg["Subject"] = subject
    msg["Date"] = format_datetime(sent)
    if message_id:
        msg["Message-ID"] = message_id
    msg.set_content("附件是本单位本周落实情况，请查收。" + "x" * size_pad)
    if attachments is None:  # a return by default; pass {} for a message without files
        attachments = {f"{subject}.xlsx": b"PK\x03\x04" + subject.encode("utf-8")}
    for name, data in attachments.items():
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return msg.as_bytes()


def mailbox_config(
    port: int,
    *,
    timeout: float = 10,
    max_minutes: float = 10,
    max_mb: float = 50,
    users=(OFFICE, NDRC),
    host="127.0.0.1",
    security: str = "plain",
    ca_file: Path | None = None,
) -> str:
    """[fetch] and [[mailbox]] sections for the test server (plain IMAP on localhost, as only a test may do)."""
    parts = [f'\n[fetch]\nsince = ""\nmax_mb = {max_mb}\ntimeout = {timeout}\nmax_minutes = {max_minutes}\n']
    for user in users:
        name = "副中心办公室" if user == OFFICE else "市发改委"
        parts.append(
            f'\n[[mailbox]]\nname = "{name}"\nhost = "{host}"\nport = {port}\nuser = "{user}"\nsecurity = "{security}"\n'
        )
        if ca_file:
            parts.append(f"ca_file = '{ca_file}'\n")
    return "".join(parts)


def configure(workspace: Path, text: str) -> None:
    """Replace the config's [fetch] section (the bundled one) with the test's own."""
    path = workspace / "templates" / "配置.toml"
    config = path.read_text(encoding="utf-8").split(_MARK)[0]
    for table in ("fetch", "smtp"):  # the bundled sections make way for the test's own
        config = config.replace(f"\n[{table}]\n", f"\n[{table}_bundled]\n")
    path.write_text(config + _MARK + text, encoding="utf-8")


def set_passwords(monkeypatch, passwords: dict[str, str] | None = None) -> None:
    values = passwords or PASSWORDS
    monkeypatch.setenv("LYREPORT_MAIL_PASSWORD_1", values[OFFICE])
    monkeypatch.setenv("LYREPORT_MAIL_PASSWORD_2", values[NDRC])


class _Listener:
    """A local TCP server for the tests: each connection goes to `serve` (in the accepting thread, so a long
    conversation starts a thread of its own); `close` drops every connection kept in `held`."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.serve(conn)

    def serve(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def close(self) -> None:
        for conn in self.held:
            with contextlib.suppress(OSError):
                conn.close()
        with contextlib.suppress(OSError):  # wakes the thread blocked in accept()
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


class SilentServer(_Listener):
    """Accepts connections and never says a word: fetch must give up after its time-out."""

    def serve(self, conn: socket.socket) -> None:
        self.held.append(conn)


class TrickleProxy(_Listener):
    """Stands in front of Dovecot like a failing link: everything passes, but once the client asked for a
    message's body (`after` in a command), the server's bytes come one at a time, each well within the client's
    read time-out, so the connection never goes quiet. Without `upstream` it is a server whose greeting trickles
    on for ever."""

    def __init__(self, upstream_port: int | None, after: bytes = b"BODY.PEEK[]", pause: float = 0.2) -> None:
        self.upstream, self.after, self.pause = upstream_port, after, pause
        super().__init__()

    def serve(self, client: socket.socket) -> None:
        self.held.append(client)
        if self.upstream is None:
            threading.Thread(target=self._drip, args=(client, b"* OK " + b"." * 100_000), daemon=True).start()
            return
        server = socket.create_connection(("127.0.0.1", self.upstream))
        self.held.append(server)
        slow = threading.Event()
        threading.Thread(target=self._up, args=(client, server, slow), daemon=True).start()
        threading.Thread(target=self._down, args=(server, client, slow), daemon=True).start()

    def _up(self, client: socket.socket, server: socket.socket, slow: threading.Event) -> None:
        with contextlib.suppress(OSError):
            for line in _lines(client):
                if self.after in line:
                    slow.set()
                server.sendall(line)

    def _down(self, server: socket.socket, client: socket.socket, slow: threading.Event) -> None:
        with contextlib.suppress(OSError):
            while data := server.recv(65536):
                if slow.is_set():
                    self._drip(client, data)
                else:
                    client.sendall(data)

    def _drip(self, client: socket.socket, data: bytes) -> None:
        with contextlib.suppress(OSError):
            for index in range(len(data)):
                client.sendall(data[index : index + 1])
                time.sleep(self.pause)


class NetEaseProxy(_Listener):
    """Stands in front of Dovecot like imap.163.com: EXAMINE/SELECT get "NO Unsafe Login" until the
    client sent IMAP ID (RFC 2971). It also hides ID from CAPABILITY, as NetEase's answer does not
    tell a client to send it. With `always_refuse`, even ID does not help."""

    def __init__(self, upstream_port: int, always_refuse: bool = False) -> None:
        self.upstream, self.always_refuse = upstream_port, always_refuse
        self.id_seen = 0
        self.refused = 0
        super().__init__()

    def serve(self, client: socket.socket) -> None:
        server = socket.create_connection(("127.0.0.1", self.upstream))
        state = {"id": False}
        threading.Thread(target=self._up, args=(client, server, state), daemon=True).start()
        threading.Thread(target=self._down, args=(server, client), daemon=True).start()

    def _up(self, client: socket.socket, server: socket.socket, state: dict) -> None:
        for line in _lines(client):
            words = line.split(b" ", 2)
            command = words[1].upper() if len(words) > 1 else b""
            if command == b"ID":
                state["id"] = True
                self.id_seen += 1
            if command in (b"SELECT", b"EXAMINE") and (self.always_refuse or not state["id"]):
                self.refused += 1
                client.sendall(
                    words[0]
                    + b" NO [UNAVAILABLE] "
                    + command
                    + b" Unsafe Login. Please contact kefu@188.com for help\r\n"
                )
                continue
            server.sendall(line)
        server.close()

    def _down(self, server: socket.socket, client: socket.socket) -> None:
        try:
            while data := server.recv(65536):
                client.sendall(_CAPABILITY.sub(lambda m: re.sub(rb" ID(?![A-Z=])", b"", m.group(0)), data))
        except OSError:
            pass
        client.close()


def _lines(sock: socket.socket) -> Iterator[bytes]:
    buffer = b""
    try:
        while data := sock.recv(65536):
            buffer += data
            while b"\r\n" in buffer:
                line, buffer = buffer.split(b"\r\n", 1)
                yield line + b"\r\n"
    except OSError:
        return
