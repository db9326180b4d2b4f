"""Benchmark: `lyreport fetch` against a local Dovecot — a first fetch of N returns, a fetch with
nothing new, and a mailbox of N old mails outside the since window.

    python bench/bench_fetch.py --n 200 1000          # N old mails (outside since) + N new ones
    python bench/bench_fetch.py --n 30 --old 10000    # a big old mailbox, one Thursday's returns

Filling the server (APPEND) is not timed. Needs Dovecot (/usr/sbin/dovecot).
"""

from __future__ import annotations

import argparse
import imaplib
import os
import random
import tempfile
import time
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
USER, PASSWORD = "office@163.com", "bench"


def _mail(n: int, rng: random.Random, when: datetime) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = f"unit{n}@example.org", USER, f"报表 {n}"
    msg["Message-ID"] = f"<bench-{n}@example.org>"
    msg["Date"] = when.strftime("%a, %d %b %Y %H:%M:%S +0800")
    msg.set_content("附件是本单位本周落实情况。")
    msg.add_attachment(rng.randbytes(20_000), maintype="application", subtype="octet-stream", filename=f"{n}.xlsx")
    return msg.as_bytes()


def _fill(server, n: int, old: bool) -> None:
    rng = random.Random(n)
    conn = server.connect(USER)
    base = datetime(2021, 1, 7, 9, tzinfo=TZ) - (timedelta(days=400) if old else timedelta())
    for i in range(n):
        when = base + timedelta(seconds=i)
        conn.append("INBOX", "", imaplib.Time2Internaldate(when), _mail(i + (10**6 if old else 0), rng, when))
    conn.logout()


def _timed(ws: Path) -> tuple[float, int]:
    from lyreport.mailbox.service import fetch_mail

    start = time.perf_counter()
    report = fetch_mail(ws, since=date(2021, 1, 1))
    return time.perf_counter() - start, len(report.saved)


def bench(n: int, old: int | None = None) -> None:
    from lyreport.mailbox.localserver import LocalImap
    from lyreport.workspace import init_workspace

    with tempfile.TemporaryDirectory() as tmp, LocalImap({USER: PASSWORD}) as server:
        ws = Path(tmp) / "ws"
        init_workspace(ws)
        config = ws / "templates" / "配置.toml"
        text = config.read_text("utf-8").replace("\n[fetch]\n", "\n[fetch_bundled]\n")
        config.write_text(
            text + f'\n[[mailbox]]\nname = "b"\nhost = "127.0.0.1"\nport = {server.port}\n'
            f'user = "{USER}"\nsecurity = "plain"\n',
            "utf-8",
        )
        os.environ["LYREPORT_MAIL_PASSWORD_1"] = PASSWORD
        old = n if old is None else old
        _fill(server, old, old=True)
        _fill(server, n, old=False)
        first, saved = _timed(ws)
        again, none = _timed(ws)
        print(
            f"n={n}: first fetch {saved} new of {n + old} ({old} outside since) {first:.2f} s "
            f"({saved / first:.0f} mails/s); nothing new {again:.2f} s ({none} saved)"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, nargs="+", default=[200])
    parser.add_argument("--old", type=int, default=None, help="old mails outside the since window (default: n)")
    args = parser.parse_args()
    for n in args.n:
        bench(n, args.old)


if __name__ == "__main__":
    main()
