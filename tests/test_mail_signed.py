"""Mails signed or encrypted with a certificate (S/MIME, PGP/MIME), made by the real `openssl` (which the Dovecot
tests need too). A mail wrapped whole in its signature (smime.p7m) was "邮件中没有电子表格" and its unit 未报送;
an encrypted one was the same, with no word that the unit did send something."""

from __future__ import annotations

import shutil
import subprocess
from email.message import EmailMessage
from pathlib import Path

import pytest
from msgfile import Mail, msg_bytes
from test_copies import at, codes, grid, only, put, run, workbook

from lyreport.models import MasterList

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")

HEADERS = (
    "From: yjj@ly.gov.cn\r\nTo: lyfzxcscdz@163.com\r\nSubject: =?utf-8?b?5bqU5oCl5bGA6JC95a6e5oOF5Ya1?=\r\n"
    "Date: Thu, 7 Jan 2021 10:00:00 +0800\r\n"
)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("cert")
    key, cert = folder / "key.pem", folder / "cert.pem"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=yjj@ly.gov.cn"]
    subprocess.run([*command, "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return key, cert


def _content(tmp_path: Path, master: MasterList, status: str) -> Path:
    """The mail's own MIME entity as a client signs it: text and the unit's return attached."""
    inner = EmailMessage()
    inner.set_content("请查收。")
    xlsx = workbook(tmp_path / "x" / "应急.xlsx", grid(master, "市应急管理局", status=status)).read_bytes()
    inner.add_attachment(xlsx, maintype="application", subtype="octet-stream", filename="应急局落实情况.xlsx")
    path = tmp_path / "inner.mime"
    path.write_bytes(bytes(inner))
    return path


def _openssl(args: list[str], content: Path, recipients: tuple[str, ...] = ()) -> bytes:
    command = ["openssl", *args, "-in", str(content), "-outform", "SMIME", *recipients]  # recipients come last
    done = subprocess.run(command, check=True, capture_output=True)
    return HEADERS.encode() + done.stdout.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


@pytest.mark.parametrize(
    "signing",
    [
        ["smime", "-sign", "-nodetach"],  # DER, as Outlook and Foxmail write smime.p7m
        ["cms", "-sign", "-nodetach", "-stream"],  # BER: indefinite lengths, the content in chunks
        ["smime", "-sign"],  # clear-signed: multipart/signed with smime.p7s beside the mail
    ],
    ids=["opaque-der", "opaque-ber", "clear"],
)
def test_signed_mail_is_read_like_any_mail(
    tmp_path: Path, workspace: Path, master: MasterList, certificate: tuple[Path, Path], signing: list[str]
) -> None:
    key, cert = certificate
    raw = _openssl([*signing, "-signer", str(cert), "-inkey", str(key)], _content(tmp_path, master, "进度滞后"))
    inbox = tmp_path / "inbox"
    put(inbox / "应急.eml", raw, at(7, 16))
    result = run(workspace, inbox)
    unit = result.unit("市应急管理局")
    assert (unit.state, unit.received_at) == ("on_time", at(7, 10))
    statuses = {m.reports["市应急管理局"].status for m in result.measures if "市应急管理局" in m.reports}
    assert statuses == {"进度滞后"}
    assert [c for c in codes(result.problems, "应急.eml") if c.startswith("eml-")] == []
    assert not [p for p in result.problems if ".p7" in p.file]  # the signature is no file sent


def test_encrypted_mail_is_said_and_its_unit_sent_wrongly(
    tmp_path: Path, workspace: Path, master: MasterList, certificate: tuple[Path, Path]
) -> None:
    _, cert = certificate
    raw = _openssl(["smime", "-encrypt", "-aes256"], _content(tmp_path, master, "已完成"), (str(cert),))
    inbox = tmp_path / "inbox"
    put(inbox / "应急.eml", raw, at(7, 16))
    result = run(workspace, inbox)
    assert result.unit("市应急管理局").state == "invalid"  # 报送有误, not 未报送
    found = only(result.problems, "eml-smime-encrypted")
    assert (found.file, found.severity, found.unit) == ("应急.eml", "error", "市应急管理局")
    assert "取消邮件加密" in found.message
    assert "eml-no-attachment" not in codes(result.problems, "应急.eml")


def test_pgp_encrypted_mail_is_said_too(tmp_path: Path, workspace: Path) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "yjj@ly.gov.cn", "lyfzxcscdz@163.com", "应急局落实情况"
    message["Date"] = "Thu, 7 Jan 2021 10:00:00 +0800"
    message.set_type("multipart/encrypted")
    message.set_param("protocol", "application/pgp-encrypted")
    version, cipher = EmailMessage(), EmailMessage()
    version.set_content(b"Version: 1\n", maintype="application", subtype="pgp-encrypted")
    cipher.set_content(
        b"-----BEGIN PGP MESSAGE-----\n\nhQEMA\n-----END PGP MESSAGE-----\n", "application", "octet-stream"
    )
    message.attach(version)
    message.attach(cipher)
    inbox = tmp_path / "inbox"
    put(inbox / "应急.eml", bytes(message), at(7, 16))
    result = run(workspace, inbox)
    assert result.unit("市应急管理局").state == "invalid"
    assert only(result.problems, "eml-smime-encrypted").file == "应急.eml"


def test_signed_mail_cut_short_is_said_damaged(
    tmp_path: Path, workspace: Path, master: MasterList, certificate: tuple[Path, Path]
) -> None:
    key, cert = certificate
    raw = _openssl(
        ["smime", "-sign", "-nodetach", "-signer", str(cert), "-inkey", str(key)], _content(tmp_path, master, "已完成")
    )
    head, body = raw.split(b"\r\n\r\n", 1)
    inbox = tmp_path / "inbox"
    put(inbox / "应急.eml", head + b"\r\n\r\n" + body[: len(body) // 3], at(7, 16))  # saved half-way
    result = run(workspace, inbox)
    assert result.unit("市应急管理局").state == "invalid"
    assert only(result.problems, "eml-smime-damaged").severity == "error"


def test_fetch_keeps_signed_and_encrypted_mails(
    tmp_path: Path, master: MasterList, certificate: tuple[Path, Path]
) -> None:
    # fetch keeps only mails that carry a file: a mail wrapped whole in smime.p7m was left on the server.
    from lyreport.mailbox.fetch import carries_files

    key, cert = certificate
    content = _content(tmp_path, master, "已完成")
    assert carries_files(_openssl(["smime", "-sign", "-nodetach", "-signer", str(cert), "-inkey", str(key)], content))
    assert carries_files(_openssl(["smime", "-encrypt", "-aes256"], content, (str(cert),)))
    assert not carries_files((HEADERS + "\r\nhello\r\n").encode())


def _p7m(raw: bytes) -> bytes:
    """The DER of smime.p7m, as Outlook keeps it in a .msg (openssl gives it base64 in an S/MIME mail)."""
    import base64

    return base64.b64decode(raw.split(b"\r\n\r\n", 1)[1])


@pytest.mark.parametrize("sealing", ["signed", "encrypted"])
def test_outlook_msg_kept_whole_in_smime_p7m(
    tmp_path: Path, workspace: Path, master: MasterList, certificate: tuple[Path, Path], sealing: str
) -> None:
    # extract-msg cannot open smime.p7m: the mail was "邮件中没有电子表格或扫描件附件" and its unit 未报送.
    key, cert = certificate
    content = _content(tmp_path, master, "进度滞后")
    if sealing == "signed":
        raw = _openssl(["smime", "-sign", "-nodetach", "-signer", str(cert), "-inkey", str(key)], content)
    else:
        raw = _openssl(["smime", "-encrypt", "-aes256"], content, (str(cert),))
    sent = at(7, 10)
    mail = Mail("yjj@ly.gov.cn", "应急局落实情况", "Thu, 7 Jan 2021 10:00:00 +0800", sent, [("smime.p7m", _p7m(raw))])
    mail.message_class = "IPM.Note.SMIME"
    inbox = tmp_path / "inbox"
    put(inbox / "应急.msg", msg_bytes(mail), at(7, 16))
    result = run(workspace, inbox)
    unit = result.unit("市应急管理局")
    assert "eml-no-attachment" not in codes(result.problems, "应急.msg")
    if sealing == "signed":
        assert (unit.state, unit.received_at) == ("on_time", sent)
        assert {m.reports[unit.name].status for m in result.measures if unit.name in m.reports} == {"进度滞后"}
    else:
        assert unit.state == "invalid"
        assert only(result.problems, "eml-smime-encrypted").file == "应急.msg"
