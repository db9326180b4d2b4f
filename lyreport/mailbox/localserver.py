"""A throwaway Dovecot IMAP server on 127.0.0.1, for the tests and the demo.

Everything (config, passwords, Maildirs, sockets, logs) lives under one folder; the server runs in
the foreground as a child process and is stopped with it. Dovecot refuses uid 0 for mail, so when
we run as root the mail belongs to `nobody`.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"

_CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:{root}/mail/%u
{user_line}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {plain_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
  chroot =
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
"""


def available() -> bool:
    """Is Dovecot installed here?"""
    return Path(DOVECOT).is_file() and os.access(DOVECOT, os.X_OK)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocalImap:
    """A running local Dovecot with plain-text users."""

    users: dict[str, str]
    root: Path = field(default_factory=lambda: Path())
    tls: bool = False  # IMAPS with a fresh self-signed certificate (self.cert) instead of plain IMAP
    port: int = 0
    starttls_port: int = 0
    process: subprocess.Popen | None = field(default=None, repr=False)

    host = "127.0.0.1"

    def start(self, timeout: float = 15.0) -> LocalImap:
        self.port = self.port or free_port()
        if self.root == Path():
            # Not under pytest's tmp_path: Dovecot's own users must traverse to the files, and those folders are 0700.
            self.root = Path(tempfile.mkdtemp(prefix="lyreport-imap-"))
            self.root.chmod(0o755)
            self._owned = True
        for sub in ("run", "state", "mail", "home"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        uid, gid = os.getuid(), os.getgid()
        if uid == 0:  # Dovecot will not deliver mail as root
            nobody = pwd.getpwnam("nobody")
            uid, gid = nobody.pw_uid, nobody.pw_gid
            for sub in ("mail", "home"):
                os.chown(self.root / sub, uid, gid)
        self._write_passwd()
        user_line = "" if os.getuid() == 0 else _unprivileged_users()
        conf = self.root / "dovecot.conf"
        ssl_line = "ssl = no"
        if self.tls:
            self._make_certificate()
            ssl_line = f"ssl = required\nssl_cert = <{self.cert}\nssl_key = <{self.root / 'key.pem'}"
        ports = {"plain_port": self.port, "tls_port": 0}
        if self.tls:  # IMAPS on `port`; the plain port then offers only STARTTLS (ssl = required)
            self.starttls_port = free_port()
            ports = {"plain_port": self.starttls_port, "tls_port": self.port}
        conf.write_text(
            _CONFIG.format(root=self.root, uid=uid, gid=gid, user_line=user_line, ssl=ssl_line, **ports),
            encoding="utf-8",
        )
        self.process = subprocess.Popen(
            [DOVECOT, "-c", str(conf), "-F"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self._wait(timeout)
        return self

    @property
    def cert(self) -> Path:
        return self.root / "cert.pem"

    def _make_certificate(self) -> None:
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-keyout",
                str(self.root / "key.pem"),
                "-out",
                str(self.cert),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def _write_passwd(self) -> None:
        lines = [f"{user}:{{PLAIN}}{password}::::::" for user, password in self.users.items()]
        path = self.root / "passwd"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        path.chmod(0o644)

    def _wait(self, timeout: float) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.log()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as sock:
                    if self.tls:
                        sock = _trusting().wrap_socket(sock, server_hostname=self.host)  # noqa: PLW2901
                    if sock.recv(64).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"dovecot did not start: {self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None
        if getattr(self, "_owned", False):
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> LocalImap:
        return self.start() if self.process is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------- filling and changing mailboxes
    def connect(self, user: str) -> imaplib.IMAP4:
        if self.tls:
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(self.host, self.port, ssl_context=_trusting(), timeout=10)
        else:
            conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        conn.login(user, self.users[user])
        return conn

    def append(self, user: str, message: bytes, when: datetime, folder: str = "INBOX") -> None:
        """Store a message with a chosen INTERNALDATE (the server's arrival time)."""
        from .imap import utf7

        conn = self.connect(user)
        name = folder if folder.upper() == "INBOX" else f'"{utf7(folder)}"'
        try:
            if folder.upper() != "INBOX":
                conn.create(name)  # NO when it exists already: fine
            typ, data = conn.append(name, "", imaplib.Time2Internaldate(when), message)
            if typ != "OK":
                raise RuntimeError(f"APPEND failed: {data!r}")
        finally:
            conn.logout()

    def recreate(self, user: str, folder: str) -> None:
        """Delete and recreate a folder's storage so its UIDVALIDITY changes, keeping the messages."""
        from .imap import utf7

        box = self.root / "mail" / user
        if folder.upper() != "INBOX":
            box = box / f".{utf7(folder)}"
        for name in ("dovecot-uidlist", "dovecot.index", "dovecot.index.cache", "dovecot.index.log"):
            (box / name).unlink(missing_ok=True)
        for sub in ("cur", "new"):  # Dovecot names files by UID once known; plain names make them new again
            for index, path in enumerate(sorted((box / sub).glob("*"))):
                path.rename(box / "new" / f"{int(time.time())}.M{index}P1.lyreport")
        time.sleep(1.1)  # UIDVALIDITY is a timestamp; a second later it differs


def _trusting() -> ssl.SSLContext:
    """Our own test certificate: the harness talks to the server it just started."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _unprivileged_users() -> str:
    me = pwd.getpwuid(os.getuid()).pw_name
    return f"default_internal_user = {me}\ndefault_login_user = {me}\n"
