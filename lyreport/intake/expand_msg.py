"""Outlook .msg files found while discovering the inbox (read in an isolated process by msgread.py): the same
rules as for .eml (expand_mail.py), from the fields Outlook keeps."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..textsafe import shown
from . import smime
from .msgread import read_msg_isolated
from .safety import MAX_DEPTH, Budget, BudgetExceeded, UnsafePathError, os_reason

if TYPE_CHECKING:
    from . import mail, maildates
    from .discover import Item

_PICTURES = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff"}


def _signature(attachment: dict[str, Any]) -> bool:
    """smime.p7s beside a clear-signed mail (extract-msg opens the signed mail and keeps it as an attachment)."""
    kind = str(attachment.get("type") or "").lower()
    return kind in smime.SIGNATURE_TYPES or str(attachment.get("name") or "").strip().lower().endswith(".p7s")


class MsgExpansion:
    """Mixin of discover._Discovery beside MailExpansion, whose mail rules it uses."""

    tz: Any

    # provided by _Discovery and MailExpansion
    def add(self, code: str, display: str, **fields: object) -> None: ...
    def _child(self, parent: Item, member: str, *, attached: bool = False) -> tuple[Item, str] | None: ...
    def _add_file(self, item: Item, kind: str, size: int | None = None) -> bool: ...
    def _relayed(
        self, item: Item, sent: datetime | None, raw: str, relayed: datetime
    ) -> tuple[datetime, maildates.Zone, str, bool]: ...
    def _mail_item(
        self,
        item: Item,
        sent: datetime | None,
        zone: maildates.Zone,
        address: str,
        subject: str,
        raw_date: str = "",
        checked: bool = False,
        stamped: bool = False,
    ) -> Item: ...
    def _forwarded_inline(self, item: Item, subject: str, text: str) -> None: ...
    def _no_attachment(self, item: Item, pictured: bool, links: list[str] | None = None) -> bool: ...
    def _received_unusable(self, item: Item, names: list[str]) -> bool: ...
    def _attachment(self, item: Item, attachment: mail.Attachment) -> bool: ...
    def _tnef(self, item: Item, attachment: mail.Attachment) -> tuple[bool, bool] | None: ...

    def _expand_msg(self, item: Item) -> bool:
        answer = read_msg_isolated(str(item.path))
        if isinstance(answer, str):
            self.add("msg-unreadable", item.display, reason=answer)
            return self._add_file(item, "foreign")  # still received: the unit it names reported, wrongly
        try:
            return self._msg_mail(replace(item, budget=item.budget or Budget()), answer)
        except BudgetExceeded:
            self.add("zip-bomb", item.display)
        except UnsafePathError:
            raise
        except OSError as exc:
            self.add("file-unreadable", item.display, reason=os_reason(exc))
        except Exception as exc:  # an answer of an unexpected shape
            self.add("msg-unreadable", item.display, reason=f"邮件结构异常（{type(exc).__name__}）")
        return False

    def _msg_mail(self, item: Item, data: dict[str, Any]) -> bool:
        from . import mail, maildates

        sent, zone = maildates.msg_date(data, self.tz)
        raw = str(data.get("header_date") or "")
        checked = False  # a Received stamp counts over the file's time (expand_mail._relayed)
        if (relayed := maildates.msg_relayed(data, self.tz)) is not None:
            sent, zone, raw, checked = self._relayed(item, sent, raw, relayed)
        sender, subject = str(data.get("sender") or ""), str(data.get("subject") or "")
        item = self._mail_item(item, sent, zone, sender, subject, raw, checked, relayed is not None)
        usable = unidentified = pictured = sent_files = sealed = False
        tnef: list[mail.Attachment] = []
        for count, attachment in enumerate(data.get("attachments") or [], start=1):
            if attachment.get("sealed") in (smime.ENCRYPTED, smime.DAMAGED):  # as for .eml (expand_mail.py)
                self.add(f"eml-smime-{attachment['sealed']}", item.display)
                sealed = True
            elif _signature(attachment):
                continue  # the signature beside a clear-signed mail (smime.p7s): no file sent
            elif isinstance(attachment.get("mail"), dict):
                found = self._child(item, str(attachment.get("name") or "转发的邮件.msg"), attached=True)
                if found is None:
                    continue
                child, _ = found
                if child.depth >= MAX_DEPTH:
                    self.add("nested-too-deep", child.display)
                    continue
                usable |= self._msg_mail(child, attachment["mail"])
            elif isinstance(attachment.get("payload"), bytes):
                name, kind = str(attachment.get("name") or ""), str(attachment.get("type") or "")
                picture = kind.startswith("image/") or Path(name).suffix.lower() in _PICTURES
                sent_file = mail.file_attachment(
                    name or None, attachment["payload"], kind, count, inline=bool(attachment.get("hidden")) and picture
                )
                if sent_file.unidentified:  # as for .eml: there is a file, of no kind we know
                    self.add("eml-attachment-unidentified", item.display, type=sent_file.unidentified)
                    unidentified = True
                    continue
                if mail.is_tnef(sent_file):  # winmail.dat kept in the .msg: its files are read as for .eml
                    opened = self._tnef(item, sent_file)
                    tnef += [sent_file] if opened is None else []
                    usable, unidentified = (
                        usable or bool(opened and opened[0]),
                        unidentified or bool(opened and opened[1]),
                    )
                    continue
                pictured |= sent_file.inline_image
                taken = self._attachment(item, sent_file)
                usable |= taken
                sent_files |= taken
        if sent_files and isinstance(data.get("body"), str):
            self._forwarded_inline(item, str(data.get("subject") or ""), data["body"][: mail.MAX_TEXT])
        for packed in tnef if usable else []:  # the return came as well: winmail.dat is only an unsupported extra
            self._attachment(item, packed)
        if sealed and not usable:
            return self._received_unusable(item, [])
        if tnef and not usable and not unidentified:
            self.add("eml-tnef", item.display, name=shown(tnef[0].name))
            return self._received_unusable(item, [])
        if not usable and not unidentified:
            return self._no_attachment(item, pictured, mail.msg_download_links(data))
        return usable
