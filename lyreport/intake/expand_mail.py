"""E-mails found while discovering the inbox: saved .eml, Outlook .msg and mails forwarded as attachments.

When a mail came in: its Date header. A mail forwarded as an attachment (message/rfc822, an attached
.eml or .msg) came in when the unit sent it, so its own Date counts, not the forward's, and the
forward is noted. A Date without a time zone is Beijing time, noted too. A Date can never be later than
what provably came after it (the saved file's time, the forward's time): the earlier time counts, with
a warning; a mail without a readable Date takes the file's (or the forward's) time, with a warning too.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..problems import Problem
from ..textsafe import shown
from .safety import MAX_DEPTH, Budget, BudgetExceeded, UnsafePathError, inside, kind_of, os_reason

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from . import mail, maildates
    from .discover import Item


class MailExpansion:
    """Mixin of discover._Discovery: everything about mails."""

    tz: ZoneInfo
    problems: list[Problem]

    # provided by _Discovery
    def add(self, code: str, display: str, **fields: object) -> None: ...
    def take(self, item: Item, size: int | None = None) -> bool: ...
    def _child(self, parent: Item, member: str, *, attached: bool = False) -> tuple[Item, str] | None: ...
    def _slot(self) -> Path: ...
    def _add_file(self, item: Item, kind: str, size: int | None = None) -> bool: ...

    # ------------------------------------------------------------- .eml
    def _expand_eml(self, item: Item) -> bool:
        from . import mail, maildates  # the e-mail package loads only when there is a mail to open

        try:
            message = mail.parse(item.path.read_bytes())
        except OSError as exc:
            self.add("file-unreadable", item.display, reason=os_reason(exc))
            return False
        except mail.MailError as exc:
            self.add("eml-unreadable", item.display, reason=str(exc))
            return self._add_file(item, "foreign")  # still received: the unit it names reported, wrongly
        # The server's arrival time (recorded by `lyreport fetch`) beats the sender's Date header.
        arrived = maildates.server_received_at(item.path, self.tz) if item.depth == 0 else None
        return self._expand_message(item, message, arrived)

    def _expand_message(self, item: Item, message: Any, arrived: datetime | None = None) -> bool:
        from . import mail, maildates

        checked = stamped = arrived is not None  # the server's arrival: nothing we hold came provably later
        if arrived is not None:
            sent, note, earlier = maildates.fetched_arrival(message, arrived, self.tz, SERVER_SLACK)
            if note and earlier is not None:  # the mail was put in its folder later than it came in, maybe
                gap, when = _gap(arrived - earlier), f"{earlier:%Y-%m-%d %H:%M}"
                self.add(note, item.display, internal=f"{arrived:%Y-%m-%d %H:%M}", earlier=when, gap=gap)
            zone, raw = maildates.Zone(), ""
        else:
            relayed = maildates.relayed_at(message, self.tz)
            sent, zone, raw, checked = self._sent(item, message, relayed)
            stamped = relayed is not None
        item = self._mail_item(item, sent, zone, mail.sender(message), mail.subject(message), raw, checked, stamped)
        usable = unidentified = pictured = sent_files = sealed = False
        tnef: list[mail.Attachment] = []
        try:
            # A mail that breaks off before any file of it is taken still came from its unit: 报送有误, not 未报送
            # (_received_unusable below), as for one that cannot be parsed at all.
            for attachment in mail.attachments(message):
                if attachment.sealed:  # encrypted for the office's certificate (S/MIME, PGP), or damaged
                    self.add(f"eml-smime-{attachment.sealed}", item.display)
                    sealed = True
                    continue
                if attachment.unidentified:  # said instead of "no attachment": there is one, of no known kind
                    self.add("eml-attachment-unidentified", item.display, type=attachment.unidentified)
                    unidentified = True
                    continue
                if mail.is_tnef(attachment):  # Outlook's winmail.dat: the files are packed inside
                    opened = self._tnef(item, attachment)
                    if opened is None:  # nothing readable inside: said below, as before
                        tnef.append(attachment)
                    else:
                        usable |= opened[0]
                        unidentified |= opened[1]
                    continue
                pictured |= attachment.inline_image
                taken = self._attachment(item, attachment)
                usable |= taken
                sent_files |= taken and attachment.message is None
            if usable:  # the return came as well: winmail.dat is only an unsupported extra
                for attachment in tnef:
                    self._attachment(item, attachment)
        except mail.MailError as exc:
            self.add("eml-unreadable", item.display, reason=str(exc))
            return usable or self._received_unusable(item, [])
        except BudgetExceeded:
            self.add("eml-too-many", item.display)  # a mail, not a zip: say so
            return usable or self._received_unusable(item, [])
        except UnsafePathError:
            raise
        except OSError as exc:
            self.add("file-unreadable", item.display, reason=os_reason(exc))
            return usable
        except Exception as exc:  # the e-mail parser can fail in many ways on hostile structure
            self.add("eml-unreadable", item.display, reason=f"邮件结构异常（{type(exc).__name__}）")
            return usable or self._received_unusable(item, [])
        if sent_files:
            self._forwarded_inline(item, mail.subject(message), mail.plain_text(message))
        if sealed and not usable:  # the unit sent its return, encrypted: 报送有误, not 未报送
            return self._received_unusable(item, [])
        if tnef and not usable:
            self.add("eml-tnef", item.display, name=shown(tnef[0].name))
            return self._received_unusable(item, [])
        if not usable and not unidentified:
            return self._no_attachment(item, pictured, mail.download_links(message))
        return usable

    def _forwarded_inline(self, item: Item, subject: str, text: str) -> None:
        """A mail forwarded inline (the original's headers quoted in its text, its files attached again) came in
        when it was forwarded, which is what counts; said when the original is quoted as sent earlier, for
        a unit that sent on time may be called late. Not guessed: the files may not be the original's."""
        from . import maildates

        quoted = maildates.quoted_original(subject, text, self.tz)
        if quoted is None:
            return
        original, written = quoted
        forwarded = f"{item.received_at.astimezone(self.tz):%Y-%m-%d %H:%M}"
        if original is None:
            self.add("mail-forwarded-inline-unread", item.display, written=shown(written[:60]), forwarded=forwarded)
        elif original < item.received_at - SERVER_SLACK:
            self.add("mail-forwarded-inline", item.display, original=f"{original:%Y-%m-%d %H:%M}", forwarded=forwarded)

    def _sent(
        self, item: Item, message: Any, relayed: datetime | None
    ) -> tuple[datetime | None, maildates.Zone, str, bool]:
        """(when the mail came in, how its Date's zone was read, the Date as written, whether that time is
        the receiving server's, over the file's: see _relayed) for a mail without a recorded arrival: the Received stamp
        (`relayed`) when there is one (said when the sender's Date differs), else the Date header (the latest of
        several, said)."""
        from . import mail, maildates

        sent, zone = maildates.read_date(message, self.tz)
        raw = maildates.raw_date(message)
        if relayed is not None:
            return self._relayed(item, sent, raw, relayed)
        if written := maildates.dates_written(message):
            read = [
                (maildates.read_date(mail.parse(f"Date: {w}\nFrom: x@x.x\n\n".encode()), self.tz)[0], w)
                for w in written
            ]
            known = [(moment, w) for moment, w in read if moment is not None]
            if len({moment for moment, _ in known}) > 1:
                latest, text = max(known, key=lambda pair: pair[0])
                quoted = "”“".join(shown(w[:60]) for w in written)
                self.add("mail-date-twice", item.display, dates=f"“{quoted}”", date=f"{latest:%Y-%m-%d %H:%M}")
                moment, zone = maildates.read_date(mail.parse(f"Date: {text}\nFrom: x@x.x\n\n".encode()), self.tz)
                return moment, zone, text, False
        return sent, zone, raw, False

    def _stamp_over_file_time(self, item: Item, stamped: datetime) -> bool:
        """A saved mail's Received stamp (the receiving server's clock) counts over the saved file's time (this
        PC's clock, or a zip's lost time): a stamp after the file time says the PC's clock is wrong, not the
        sender's. Said when they differ by more than a few minutes."""
        if stamped - item.received_at > SERVER_SLACK:
            self.add(
                "mail-date-file-earlier",
                item.display,
                saved=f"{item.received_at.astimezone(self.tz):%Y-%m-%d %H:%M}",
                received=f"{stamped.astimezone(self.tz):%Y-%m-%d %H:%M:%S}",
            )
        return True

    def _relayed(
        self, item: Item, sent: datetime | None, raw: str, relayed: datetime
    ) -> tuple[datetime, maildates.Zone, str, bool]:
        """The receiving server's time counts; said when the Date is missing or says otherwise. It counts over
        the saved file's time too (the last item: checked), unless the mail was forwarded as an attachment,
        where the forward's own time still bounds it."""
        from . import maildates

        when = f"{relayed:%Y-%m-%d %H:%M}"
        if sent is None:
            header = f"（Date：“{shown(raw[:80])}”）" if raw.strip() else "（邮件没有 Date 头）"
            self.add("mail-date-server-only", item.display, header=header, received=when)
        elif abs(sent - relayed) > SERVER_SLACK:
            gap = _gap(abs(sent - relayed))
            self.add("mail-date-server", item.display, sent=f"{sent:%Y-%m-%d %H:%M}", received=when, gap=gap)
        checked = item.received_from != "mail" and self._stamp_over_file_time(item, relayed)
        return relayed, maildates.Zone(), "", checked

    def _no_attachment(self, item: Item, pictured: bool, links: list[str] | None = None) -> bool:
        """No return in the mail: a picture left in its text (too small to read as a scan) may be one; a
        download link in its text ("超大附件") is one the unit sent but we do not hold: the unit reported,
        and staff must fetch the file. Whether the mail itself was taken as received-but-unusable."""
        if links is None:
            self.add("eml-inline-image-only" if pictured else "eml-no-attachment", item.display)
            return False
        files = f"（{'、'.join(shown(name) for name in links)}）" if links else ""
        self.add(
            "eml-download-link",
            item.display,
            files=files,
            time=f"{item.received_at.astimezone(self.tz):%Y-%m-%d %H:%M}",
        )
        return self._received_unusable(item, links)

    def _received_unusable(self, item: Item, names: list[str]) -> bool:
        """A mail that carries the unit's return in a form not read here (an error said on it): as an inbox
        file, the unit is charged with it (报送有误), not left 未报送. `names`: of the files it carries,
        which may be what names the unit ("市应急管理局落实情况报表.xlsx")."""
        if item.path.is_file():
            return self._add_file(replace(item, subject=" ".join([item.subject, *names]).strip()), "foreign")
        return False

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
    ) -> Item:
        """The item as its mail says: sent time, sender, subject; notes on forwards and on how the zone was read.

        `raw_date`: the Date header as written, quoted when it cannot be read; `checked`: `sent` is the
        server's arrival time, not a sender's clock; `stamped`: a receiving server recorded the mail (Received).
        """

        sent = self._provable(item, sent, raw_date, checked)
        forward = sent is not None and item.via_mail is not None and item.received_from == "mail"
        if forward and not stamped and _same_address(address, item.sender):
            # A unit forwarding a mail of its own (from its Sent folder, or one it first sent to a wrong address):
            # no server ever stamped it, only the unit's own clock did. Its time cannot make the unit on time.
            self.add(
                "mail-forwarded-own",
                item.display,
                sent=f"{sent.astimezone(self.tz):%Y-%m-%d %H:%M}",
                forwarded=f"{item.received_at.astimezone(self.tz):%Y-%m-%d %H:%M}",
            )
            sent, forward = None, False
        self._zone_note(item, sent, zone, raw_date)
        if forward:
            self.add(
                "mail-forwarded",
                item.display,
                sent=f"{sent:%Y-%m-%d %H:%M}",
                forwarded=f"{item.via_mail.astimezone(self.tz):%Y-%m-%d %H:%M}",
            )
        if sent is None:
            received, source = item.received_at, item.received_from
        else:
            received, source = sent, "mail"
        return replace(
            item,
            received_at=received,
            received_from=source,
            via_mail=sent if sent is not None else item.via_mail,
            sender=address or item.sender,
            subject=subject or item.subject,
            budget=item.budget or Budget(),
        )

    def _zone_note(self, item: Item, sent: datetime | None, zone: maildates.Zone, raw_date: str) -> None:
        """Say how a Date's zone was read when it was not written the standard way."""
        from . import maildates

        if sent is None or not zone.kind:
            return
        when = f"{sent:%Y-%m-%d %H:%M}"
        if zone.kind == maildates.NO_ZONE:
            self.add("mail-date-no-zone", item.display, date=when)
        elif zone.kind == "china":
            self.add("mail-date-china-zone", item.display, date=when, zone=zone.text)
        elif zone.kind == "offset":
            self.add("mail-date-offset", item.display, header=shown(raw_date[:80]), offset=zone.offset, date=when)
        else:
            self.add("mail-date-zone-unknown", item.display, header=shown(raw_date[:80]), zone=zone.text, date=when)

    def _provable(self, item: Item, sent: datetime | None, raw_date: str, checked: bool) -> datetime | None:
        """`sent`, or None when the item's own time must count: no readable Date, or a Date after a time
        that provably came later (the saved file's time, the forward's Date or arrival). Each said."""
        forwarded = item.received_from == "mail"
        bound_name = "转发时间" if forwarded else "文件时间"
        bound = item.received_at.astimezone(self.tz)
        if sent is None:
            header = f"（Date：“{shown(raw_date[:80])}”）" if raw_date.strip() else "（邮件没有 Date 头）"
            self.add(
                "mail-date-missing", item.display, header=header, fallback=bound_name, time=f"{bound:%Y-%m-%d %H:%M}"
            )
            return None
        if checked or sent <= item.received_at:
            return sent
        self.add(
            "mail-date-impossible",
            item.display,
            what="转发的原邮件" if forwarded else "邮件",
            sent=f"{sent.astimezone(self.tz):%Y-%m-%d %H:%M}",
            bound_name=bound_name,
            bound=f"{bound:%Y-%m-%d %H:%M}",
        )
        return None

    def _attachment(self, item: Item, attachment: mail.Attachment) -> bool:
        found = self._child(item, attachment.name, attached=True)
        if found is None:
            return False
        child, base = found
        if attachment.message is not None:  # a forwarded mail, already parsed: open it as a mail
            if child.depth >= MAX_DEPTH:
                self.add("nested-too-deep", child.display)
                return False
            return self._expand_message(child, attachment.message)
        if attachment.inline_image:
            self.add("file-ignored", child.display, reason="邮件正文中的内嵌图片（如签名图标），不是附件")
            return False
        if attachment.pasted:  # a photo of the stamped form pasted into the text, most likely
            self.add("mail-inline-scan", child.display)
        return self._write_child(item, child, base, attachment.payload)

    def _tnef(self, item: Item, attachment: mail.Attachment) -> tuple[bool, bool] | None:
        """The files inside Outlook's winmail.dat, each read like an attachment of the mail (named as packed,
        told by its content when the name says nothing): (any usable, any of no kind we know); None when it
        holds no file that could be taken out."""
        from . import mail, tnef

        unpacked = tnef.unpack(attachment.payload)
        if not unpacked.files:
            return None
        found = self._child(item, attachment.name, attached=True)
        if found is None:
            return None
        holder, _ = found
        name = shown(attachment.name)
        self.add("eml-tnef-read", item.display, name=name, count=len(unpacked.files))
        if unpacked.damaged or unpacked.skipped:
            reason = unpacked.damaged or f"所含文件超过 {tnef.MAX_FILES} 个"
            self.add("eml-tnef-damaged", item.display, name=name, reason=reason, count=len(unpacked.files))
        usable = unidentified = False
        for count, packed in enumerate(unpacked.files, start=1):
            sent_file = mail.file_attachment(packed.name or None, packed.data, "", count)
            if sent_file.unidentified:
                self.add("eml-attachment-unidentified", holder.display, type="winmail.dat 中的文件")
                unidentified = True
                continue
            usable |= self._attachment(holder, sent_file)
        return usable, unidentified

    def _write_child(self, item: Item, child: Item, base: str, payload: bytes) -> bool:
        if kind_of(Path(base).suffix) is None:
            return self.take(child)  # reports it as unsupported
        item.budget.take_file()  # type: ignore[union-attr]
        item.budget.take_bytes(len(payload))  # type: ignore[union-attr]
        child.path = inside(self._slot(), base)
        with open(child.path, "xb") as handle:
            handle.write(payload)
        return self.take(child)


# A sender's clock a few minutes off, or a few minutes in transit, is not worth a word.
SERVER_SLACK = timedelta(minutes=5)


def _gap(delta: timedelta) -> str:
    """A time difference in words: "3 天 2 小时", "1 小时 20 分钟", "7 分钟"."""
    minutes = int(delta.total_seconds() // 60)
    days, hours, minutes = minutes // 1440, minutes // 60 % 24, minutes % 60
    parts = [f"{days} 天"] if days else []
    parts += [f"{hours} 小时"] if hours else []
    parts += [f"{minutes} 分钟"] if minutes and not days else []
    return " ".join(parts) or "不到 1 分钟"


def _same_address(one: str, other: str) -> bool:
    return bool(one.strip()) and one.strip().lower() == other.strip().lower()
