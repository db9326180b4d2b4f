"""Write Outlook .msg files for tests: a minimal OLE2 compound file writer plus the MSG property layout.

extract-msg and olefile only read, so the tests build real .msg files here (MS-CFB version 3, MS-OXMSG):
a root storage with string/binary property streams, a properties stream, attachment storages and, for a
forwarded mail, an embedded message storage.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime

SECTOR = 512
MINI = 64
CUTOFF = 4096
END, FREE, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


@dataclass
class Node:
    name: str
    data: bytes | None = None  # None for a storage
    children: list[Node] = field(default_factory=list)


def _chain(start: int, count: int, fat: list[int]) -> None:
    for i in range(count):
        fat[start + i] = start + i + 1 if i < count - 1 else END


def compound_file(root_children: list[Node]) -> bytes:
    """Serialise a tree of storages and streams as an OLE2 compound file."""
    entries: list[Node] = [Node("Root Entry", None, root_children)]
    index = 0
    while index < len(entries):
        entries.extend(entries[index].children)
        index += 1
    ids = {id(node): n for n, node in enumerate(entries)}
    # mini stream for small streams, regular sectors for the rest
    mini = bytearray()
    minifat: list[int] = []
    start_of: dict[int, int] = {}
    big: list[tuple[int, bytes]] = []
    for node in entries[1:]:
        if node.data is None or not node.data:
            continue
        if len(node.data) < CUTOFF:
            first = len(mini) // MINI
            count = -(-len(node.data) // MINI)
            mini += node.data.ljust(count * MINI, b"\x00")
            minifat += [first + i + 1 for i in range(count - 1)] + [END]
            start_of[id(node)] = first
        else:
            big.append((id(node), node.data))
    dir_sectors = -(-len(entries) * 128 // SECTOR)
    minifat_sectors = -(-len(minifat) * 4 // SECTOR) if minifat else 0
    mini_sectors = -(-len(mini) // SECTOR)
    big_sectors = sum(-(-len(data) // SECTOR) for _, data in big)
    fat_sectors = 1
    while True:
        total = fat_sectors + dir_sectors + minifat_sectors + mini_sectors + big_sectors
        if fat_sectors * SECTOR // 4 >= total:
            break
        fat_sectors += 1
    fat = [FREE] * (fat_sectors * SECTOR // 4)
    for i in range(fat_sectors):
        fat[i] = FATSECT
    cursor = fat_sectors
    dir_start = cursor
    _chain(cursor, dir_sectors, fat)
    cursor += dir_sectors
    minifat_start = cursor if minifat_sectors else END
    _chain(cursor, minifat_sectors, fat)
    cursor += minifat_sectors
    mini_start = cursor if mini_sectors else END
    _chain(cursor, mini_sectors, fat)
    cursor += mini_sectors
    body = bytearray()
    for key, data in big:
        count = -(-len(data) // SECTOR)
        start_of[key] = cursor
        _chain(cursor, count, fat)
        cursor += count
        body += data.ljust(count * SECTOR, b"\x00")
    directory = bytearray()
    for n, node in enumerate(entries):
        directory += _entry(node, n, ids, start_of, mini_start, len(mini))
    directory = directory.ljust(dir_sectors * SECTOR, b"\x00")
    header = bytearray(SECTOR)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, fat_sectors, dir_start, 0, CUTOFF, minifat_start,
                     minifat_sectors, END, 0)  # fmt: skip
    difat = list(range(fat_sectors)) + [FREE] * (109 - fat_sectors)
    struct.pack_into("<109I", header, 76, *difat)
    out = bytes(header) + struct.pack(f"<{len(fat)}I", *fat) + bytes(directory)
    out += struct.pack(f"<{len(minifat)}I", *minifat).ljust(minifat_sectors * SECTOR, b"\xff") if minifat else b""
    out += bytes(mini).ljust(mini_sectors * SECTOR, b"\x00")
    return out + bytes(body)


def _entry(node: Node, n: int, ids: dict[int, int], start_of: dict[int, int], mini_start: int, mini_len: int) -> bytes:
    name = node.name.encode("utf-16-le") + b"\x00\x00"
    kind = 5 if n == 0 else (1 if node.data is None else 2)
    child = _tree(node.children, ids) if node.children else NOSTREAM
    left, right = _siblings.get(n, (NOSTREAM, NOSTREAM))
    if n == 0:
        start, size = mini_start, mini_len
    elif node.data:
        start, size = start_of[id(node)], len(node.data)
    else:
        start, size = (END if node.data is not None else 0), 0
    return (
        name.ljust(64, b"\x00")
        + struct.pack("<HBB", len(name), kind, 1)
        + struct.pack("<III", left, right, child)
        + b"\x00" * 36
        + struct.pack("<IQ", start, size)
    )


_siblings: dict[int, tuple[int, int]] = {}


def _tree(children: list[Node], ids: dict[int, int]) -> int:
    """A binary search tree of siblings in CFB order (name length, then upper-case name); returns its root."""
    ordered = sorted(children, key=lambda c: (len(c.name), c.name.upper()))

    def build(part: list[Node]) -> int:
        if not part:
            return NOSTREAM
        middle = len(part) // 2
        me = ids[id(part[middle])]
        _siblings[me] = (build(part[:middle]), build(part[middle + 1 :]))
        return me

    return build(ordered)


# ----------------------------------------------------------------- MSG layout
def _text(tag: int, value: str) -> Node:
    return Node(f"__substg1.0_{tag:04X}001F", value.encode("utf-16-le"))


def _props(header: bytes, fixed: list[tuple[int, int, bytes]]) -> Node:
    body = b"".join(struct.pack("<II", (tag << 16) | typ, 6) + value.ljust(8, b"\x00") for tag, typ, value in fixed)
    return Node("__properties_version1.0", header + body)


def _filetime(moment: datetime) -> bytes:
    delta = moment.astimezone(UTC) - datetime(1601, 1, 1, tzinfo=UTC)
    return struct.pack("<Q", int(delta.total_seconds() * 10_000_000))


@dataclass
class Mail:
    sender: str
    subject: str
    date_header: str  # as it would appear after "Date: "
    sent: datetime
    files: list[tuple[str, bytes]] = field(default_factory=list)
    forwarded: list[Mail] = field(default_factory=list)
    pictures: list[tuple[str, bytes]] = field(default_factory=list)  # in the mail text: attachments Outlook hides
    body: str = "请查收。"
    received: str = ""  # a Received header's value, as the receiving server wrote it ("...; <date>")
    message_class: str = "IPM.Note"  # "IPM.Note.SMIME": Outlook keeps a signed or encrypted mail whole in smime.p7m


def _message_nodes(mail: Mail, top: bool) -> list[Node]:
    headers = f"From: {mail.sender}\r\nSubject: {mail.subject}\r\nDate: {mail.date_header}\r\n\r\n"
    if mail.received:
        headers = f"Received: {mail.received}\r\n{headers}"
    nodes = [
        _text(0x001A, mail.message_class),
        _text(0x0037, mail.subject),
        _text(0x0C1F, mail.sender),
        _text(0x0C1A, mail.sender),
        _text(0x1000, mail.body),
        _text(0x007D, headers),
    ]
    count = len(mail.files) + len(mail.forwarded) + len(mail.pictures)
    header = struct.pack("<8xIIII8x", 0, count, 0, count) if top else struct.pack("<8xIIII", 0, count, 0, count)
    nodes.append(_props(header, [(0x0039, 0x0040, _filetime(mail.sent)), (0x0E07, 0x0003, struct.pack("<I", 1))]))
    if top:
        nodes.append(Node("__nameid_version1.0", None, [Node(f"__substg1.0_000{n}0102", b"") for n in (2, 3, 4)]))
    n = 0
    for index, (name, payload) in enumerate(mail.files + mail.pictures):
        named = [_text(0x3707, name), _text(0x3704, name[-12:]), _text(0x3703, "." + name.rsplit(".", 1)[-1])]
        hidden = [(0x7FFE, 0x000B, struct.pack("<I", 1))] if index >= len(mail.files) else []  # PR_ATTACHMENT_HIDDEN
        parts = [
            *(named if name else []),  # "": an attachment Outlook kept without a file name
            Node("__substg1.0_37010102", payload),
            _props(b"\x00" * 8, [(0x3705, 0x0003, struct.pack("<I", 1)), *hidden]),
        ]
        nodes.append(Node(f"__attach_version1.0_#{n:08X}", None, parts))
        n += 1
    for inner in mail.forwarded:
        parts = [
            _text(0x3001, inner.subject),
            Node("__substg1.0_3701000D", None, _message_nodes(inner, False)),
            _props(b"\x00" * 8, [(0x3705, 0x0003, struct.pack("<I", 5))]),
        ]
        nodes.append(Node(f"__attach_version1.0_#{n:08X}", None, parts))
        n += 1
    return nodes


def msg_bytes(mail: Mail) -> bytes:
    """A real Outlook .msg file holding the mail."""
    _siblings.clear()
    return compound_file(_message_nodes(mail, True))
