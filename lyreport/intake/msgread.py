"""Outlook .msg mails, read with extract-msg in an isolated worker: sender, date, subject, attachments.

A .msg is an OLE2 compound file written by Outlook; it is untrusted like any other input, so it is
parsed in a worker process with a memory ceiling and a time limit (pool.py), and only plain data
(text, bytes, an ISO date) comes back. A mail attached to the mail (a forward) comes back nested.
"""

from __future__ import annotations

import re
from typing import Any

from .pool import Failure, isolated_map
from .safety import MAX_MEMBERS

MAX_NESTED = 3
TIMEOUT = 30.0
MEMORY_MB = 768


def read_msg_isolated(path: str) -> dict[str, Any] | str:
    """The mail as plain data, or a Chinese reason why it cannot be read. Never raises for bad input."""
    try:
        (answer,) = isolated_map(read_msg, [path], workers=1, timeout=TIMEOUT, memory_mb=MEMORY_MB)
    except OSError:  # no worker process can be started: read here, still guarded
        answer = read_msg(path)
    if isinstance(answer, Failure):
        if answer.kind == "timeout":
            return f"读取超时（超过 {TIMEOUT:g} 秒）"
        if answer.kind == "too-large":
            return "邮件内容过大，已拒绝读取"
        return f"读取程序异常退出（{answer.reason or '原因不明'}）"
    if not isinstance(answer, tuple) or len(answer) != 2:
        return "读取程序返回了无法识别的结果"
    status, value = answer
    return value if status == "ok" and isinstance(value, dict) else str(value)


def read_msg(path: str) -> tuple[str, Any]:
    """Worker side: ("ok", mail dict) or ("refused", Chinese reason)."""
    import logging

    logging.getLogger("extract_msg").setLevel(logging.CRITICAL)  # it logs every oddity of hostile files
    try:
        import extract_msg

        with open(path, "rb") as handle:
            if handle.read(8) != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
                return ("refused", "文件内容不是 Outlook 邮件格式")
        message = extract_msg.openMsg(path, delayAttachments=False)
        try:
            return ("ok", _mail(message, 0, [0]))
        finally:
            message.close()
    except (KeyboardInterrupt, SystemExit):
        raise
    except MemoryError:
        return ("refused", "内存不足")
    except ImportError:
        return ("refused", "本机未安装读取 Outlook 邮件所需的 extract-msg 组件（pip install extract-msg）")
    except Exception:  # extract-msg / olefile raise many kinds of errors on damaged files
        return ("refused", "文件已损坏、不完整或格式不受支持，请对方重新发送")


def _mail(message: Any, depth: int, count: list[int]) -> dict[str, Any]:
    """One mail as plain data; attached mails nested up to MAX_NESTED levels."""
    mail: dict[str, Any] = {
        "sender": _address(_safe(lambda: message.sender) or ""),
        "subject": str(_safe(lambda: message.subject) or "").strip(),
        "date": _safe(lambda: _iso(message.date)) or "",
        "header_date": _header_date(message),
        "received": _header_received(message),
        "body": str(_safe(lambda: message.body) or "")[:1_000_000],  # download links ("超大附件") instead of files
        "attachments": [],
    }
    attachments = _safe(lambda: message.attachments) or []
    if not attachments and _safe(lambda: message.rawAttachments):  # S/MIME whose smime.p7m extract-msg cannot open
        mail["attachments"] = _wrapped(message.rawAttachments, count)
    for attachment in attachments:
        count[0] += 1
        if count[0] > MAX_MEMBERS:
            break
        data = _safe(lambda a=attachment: a.data)
        if isinstance(data, bytes):
            name = _safe(lambda a=attachment: a.longFilename or a.shortFilename or a.displayName) or ""
            mail["attachments"].append(
                {
                    "name": str(name),  # "": none; the parent names it by its content, as for .eml
                    "payload": data,
                    "type": str(_safe(lambda a=attachment: a.mimetype) or "").lower(),
                    "hidden": bool(_safe(lambda a=attachment: a.hidden)),  # a picture in the mail text
                }
            )
        elif data is not None and hasattr(data, "attachments") and depth < MAX_NESTED:
            inner = _mail(data, depth + 1, count)
            mail["attachments"].append({"name": (inner["subject"] or "转发的邮件")[:80] + ".msg", "mail": inner})
    return mail


def _wrapped(raw: Any, count: list[int]) -> list[dict[str, Any]]:
    """The files of a mail Outlook keeps whole in smime.p7m (signed as one, smime.py opens it), or the p7m marked
    as sealed (encrypted or damaged): said as such, never as a mail without attachments."""
    import email
    import email.policy

    from . import mail, smime

    found: list[dict[str, Any]] = []
    for attachment in raw:
        data = _safe(lambda a=attachment: a.data)
        if not isinstance(data, bytes):
            continue
        inner, sealed = smime.unwrap_bytes(data)
        if inner is None:
            found.append({"name": "smime.p7m", "sealed": sealed})
            continue
        for sent in mail.attachments(email.message_from_bytes(inner, policy=email.policy.default)):
            count[0] += 1
            if count[0] > MAX_MEMBERS:
                break
            if sent.sealed:
                found.append({"name": sent.name, "sealed": sent.sealed})
            else:  # a mail forwarded inside goes on as its .eml bytes, opened like an attached .eml
                payload = sent.payload if sent.message is None else bytes(sent.message)
                found.append({"name": sent.name, "payload": payload, "type": "", "hidden": sent.inline_image})
    return found


def _safe(getter: Any) -> Any:
    try:
        return getter()
    except Exception:  # a damaged property must not cost the rest of the mail
        return None


def _iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else ""


def _header_date(message: Any) -> str:
    """The raw Date header line, so the parent can tell a Date without a time zone."""
    text = _safe(lambda: message.headerText) or ""
    found = re.search(r"^Date:[ \t]*(.+)$", str(text), re.M | re.I)
    return found.group(1).strip() if found else ""


def _header_received(message: Any) -> list[str]:
    """The first few Received headers (unfolded), topmost first: when the receiving servers took the mail."""
    text = str(_safe(lambda: message.headerText) or "")[:65536]
    found = re.findall(r"^Received:[ \t]*(.*(?:\r?\n[ \t].*)*)", text, re.M | re.I)
    return [re.sub(r"\s+", " ", value).strip() for value in found[:3]]


def _address(text: str) -> str:
    found = re.search(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", text)
    return found.group(0).lower() if found else ""
