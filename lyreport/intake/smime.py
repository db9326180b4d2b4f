"""Mails a unit's client signed or encrypted with a certificate (S/MIME, RFC 8551; PGP/MIME, RFC 3156).

- A clear signature (multipart/signed) leaves the mail's parts as they are: the signature part beside them
  (smime.p7s, signature.asc) is no file sent.
- A mail wrapped whole in its signature (application/pkcs7-mime; smime-type=signed-data, "smime.p7m") holds
  the real mail inside a CMS SignedData: it is taken out here and read like any mail.
- An encrypted mail (CMS EnvelopedData, or PGP/MIME multipart/encrypted) only the certificate's holder can
  open: it is said, never taken for a mail without attachments.
Signatures are not verified: what counts here is what the mail carries and when it came in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # discover loads this module for .msg; the e-mail package only when there is a mail
    from email.message import Message

SIGNATURE_TYPES = frozenset(
    {"application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature"}
)
WRAPPED_TYPES = frozenset({"application/pkcs7-mime", "application/x-pkcs7-mime"})
PGP_ENCRYPTED = "multipart/encrypted"

# Object identifiers (DER content bytes) of the CMS content types met in mail.
_SIGNED_DATA = bytes.fromhex("2a864886f70d010702")  # 1.2.840.113549.1.7.2
_ENVELOPED_DATA = bytes.fromhex("2a864886f70d010703")  # 1.2.840.113549.1.7.3
_AUTH_ENVELOPED_DATA = bytes.fromhex("2a864886f70d0109100117")  # 1.2.840.113549.1.9.16.1.23

MAX_DEPTH = 16  # BER nesting inside one signed mail; real ones go 6 deep
MAX_CHUNKS = 100_000  # pieces of one constructed OCTET STRING (BER allows any split)

ENCRYPTED = "encrypted"  # S/MIME EnvelopedData or PGP/MIME: for the office's certificate only
DAMAGED = "damaged"  # S/MIME that is not readable as CMS at all (cut short, wrong encoding)


class _Malformed(Exception):
    pass


class _Encrypted(Exception):
    pass


def is_signature(part: Message) -> bool:
    """The signature part of a clearly signed mail (smime.p7s, signature.asc): no file sent."""
    if part.get_content_type() in SIGNATURE_TYPES:
        return True
    name = (part.get_filename() or "").strip().lower()
    return part.get_content_maintype() == "application" and name.endswith(".p7s")


def is_wrapped(part: Message) -> bool:
    """An S/MIME part holding the whole mail, signed or encrypted (by type, or by its usual file name)."""
    if part.get_content_type() in WRAPPED_TYPES:
        return True
    name = (part.get_filename() or "").strip().lower()
    return part.get_content_maintype() == "application" and name.endswith(".p7m")


def sealed(part: Message) -> str:
    """ENCRYPTED or DAMAGED for a part that holds a mail this module cannot take out; "" for any other part."""
    if part.get_content_type() == PGP_ENCRYPTED:
        return ENCRYPTED
    return unwrap(part)[1] if is_wrapped(part) else ""


def unwrap(part: Message) -> tuple[bytes | None, str]:
    """(the mail inside, "") for a signed-data wrapper; (None, ENCRYPTED or DAMAGED) for one that cannot be
    opened here."""
    payload = part.get_payload(decode=True)
    return unwrap_bytes(payload) if isinstance(payload, bytes) else (None, DAMAGED)


def unwrap_bytes(payload: bytes) -> tuple[bytes | None, str]:
    """unwrap for the DER (or BER) bytes of smime.p7m themselves, as Outlook keeps them in a .msg."""
    try:
        return _signed_content(payload), ""
    except _Encrypted:
        return None, ENCRYPTED
    except (_Malformed, IndexError):
        return None, DAMAGED


def _signed_content(data: bytes) -> bytes:
    """The encapsulated content of a CMS ContentInfo holding SignedData (DER or BER)."""
    info = _children(data, *_expect(data, 0, 0x30)[:2])
    kind = data[info[0][1] : info[0][2]] if info and info[0][0] == 0x06 else b""
    if kind in (_ENVELOPED_DATA, _AUTH_ENVELOPED_DATA):
        raise _Encrypted
    if kind != _SIGNED_DATA or len(info) < 2 or info[1][0] != 0xA0:
        raise _Malformed
    signed = _children(data, info[1][1], info[1][2])
    if not signed or signed[0][0] != 0x30:
        raise _Malformed
    fields = _children(data, signed[0][1], signed[0][2])  # version, digestAlgorithms, encapContentInfo, …
    if len(fields) < 3 or fields[2][0] != 0x30:
        raise _Malformed
    encap = _children(data, fields[2][1], fields[2][2])
    if len(encap) < 2 or encap[1][0] != 0xA0:
        raise _Malformed  # detached: the content is not inside
    inner = _children(data, encap[1][1], encap[1][2])
    if not inner:
        raise _Malformed
    return _octets(data, inner[0], 0)


Tlv = tuple[int, int, int, int]  # tag, content start, content end, next position


def _expect(data: bytes, pos: int, tag: int) -> tuple[int, int]:
    found = _tlv(data, pos, 0)
    if found[0] != tag:
        raise _Malformed
    return found[1], found[2]


def _tlv(data: bytes, pos: int, depth: int) -> Tlv:
    """One BER element at pos; an indefinite length is resolved by walking its children to the end mark."""
    if depth > MAX_DEPTH or pos + 2 > len(data):
        raise _Malformed
    tag, first = data[pos], data[pos + 1]
    if tag & 0x1F == 0x1F:  # high tag numbers do not occur in CMS
        raise _Malformed
    pos += 2
    if first < 0x80:
        length = first
    elif first == 0x80:
        if not tag & 0x20:
            raise _Malformed  # only constructed elements may have an indefinite length
        end = pos
        while data[end : end + 2] != b"\x00\x00":
            end = _tlv(data, end, depth + 1)[3]
        return tag, pos, end, end + 2
    else:
        size = first & 0x7F
        if size > 4 or pos + size > len(data):
            raise _Malformed
        length = int.from_bytes(data[pos : pos + size], "big")
        pos += size
    if pos + length > len(data):
        raise _Malformed
    return tag, pos, pos + length, pos + length


def _children(data: bytes, start: int, end: int, depth: int = 1) -> list[Tlv]:
    found = []
    pos = start
    while pos < end:
        child = _tlv(data, pos, depth)
        if child[3] > end:
            raise _Malformed
        found.append(child)
        pos = child[3]
    return found


def _octets(data: bytes, element: Tlv, depth: int) -> bytes:
    """An OCTET STRING's bytes, also when BER splits it into a constructed string of pieces."""
    tag, start, end, _ = element
    if tag == 0x04:
        return data[start:end]
    if tag != 0x24 or depth > MAX_DEPTH:
        raise _Malformed
    pieces = _children(data, start, end, depth + 1)
    if len(pieces) > MAX_CHUNKS:
        raise _Malformed
    return b"".join(_octets(data, piece, depth + 1) for piece in pieces)
