"""The parts of one zip-based workbook, opened once in the reader worker and shared.

The pre-check parses the zip directory and inflates (bounded, CRC-checked) every part the reader will
parse; the marks (hidden rows, formulas without a result: sheetmarks.py) and the saved time (saved.py)
need some of the same parts again. Parsing the directory and inflating a part cost more than scanning
it, so the pre-check keeps what it inflated here and the others read from it instead of reopening
the file.
"""

from __future__ import annotations

import contextlib
import io
import struct
import zipfile
import zlib
from collections.abc import Iterator

from .safety import MB

CHUNK = 256 * 1024
KEEP_BYTES = 16 * MB  # inflated parts kept for reuse; larger workbooks inflate again on demand


class OverBudget(Exception):
    """A part inflated to more bytes than allowed."""


def inflate(data: bytes, info: zipfile.ZipInfo, budget: list[int]) -> Iterator[bytes]:
    """The part's bytes in chunks, inflated straight from the file with zlib, never beyond the budget.

    Reads the local header itself (zipfile's stream object costs more than these small parts do);
    the CRC is checked once the part has been inflated to its end.
    """
    offset = info.header_offset
    if data[offset : offset + 4] != b"PK\x03\x04":
        raise zipfile.BadZipFile("bad local header")
    name_len, extra_len = struct.unpack_from("<HH", data, offset + 26)
    start = offset + 30 + name_len + extra_len
    raw = data[start : start + info.compress_size]
    if len(raw) < info.compress_size:
        raise EOFError("truncated part")
    if info.compress_type == zipfile.ZIP_STORED:
        inflater = None
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
    else:
        raise NotImplementedError("compression method")
    crc = 0
    while raw or (inflater is not None and not inflater.eof):
        if inflater is None:
            chunk, raw = raw[:CHUNK], raw[CHUNK:]
        else:
            chunk = inflater.decompress(raw, CHUNK)
            raw = inflater.unconsumed_tail
            if not chunk and not raw:
                if not inflater.eof:
                    raise EOFError("Compressed file ended before the end-of-stream marker was reached")
                break
        budget[0] -= len(chunk)
        if budget[0] < 0:
            raise OverBudget(info.filename)
        crc = zlib.crc32(chunk, crc)
        yield chunk
    if crc != info.CRC:
        raise zipfile.BadZipFile("Bad CRC-32")


class ZipParts:
    """A vetted zip's directory (name -> ZipInfo, the last entry of a name wins, as in zipfile) and the
    parts inflated so far.

    `read` gives exactly what zipfile's read gives (the bytes, or the error), so the readers that used to
    open the zip themselves see no difference: a part is inflated here, or kept from the pre-check's
    inflating, only when it is plain (stored or deflated, not flagged, a local header that names it, as
    many bytes as declared, right CRC); anything else goes to zipfile itself.
    """

    def __init__(self, data: bytes, infos: list[zipfile.ZipInfo]):
        self.data = data
        self.infos = {info.filename: info for info in infos}
        self._kept: dict[str, bytes] = {}
        self._room = KEEP_BYTES

    def keeping(self, info: zipfile.ZipInfo, chunks: Iterator[bytes]) -> Iterator[bytes]:
        """Pass `chunks` through; once they have all gone through (CRC checked), keep them for `read`.

        A part read only in part (the scan stopped early), too big for the room left or not plain is not kept.
        """
        name = info.filename
        self._kept.pop(name, None)  # a later entry of the same name replaces an earlier one
        kept: list[bytes] | None = []
        size = 0
        for chunk in chunks:
            if kept is not None:
                size += len(chunk)
                if size <= self._room:
                    kept.append(chunk)
                else:
                    kept = None
            yield chunk
        if kept is not None and self.infos.get(name) is info and size == info.file_size and self._plain(info):
            self._keep(name, b"".join(kept))

    def read(self, name: str) -> bytes:
        """zipfile.ZipFile(data).read(name): the bytes or the very error (KeyError if there is no such part)."""
        kept = self._kept.get(name)
        if kept is not None:
            return kept
        info = self.infos[name]
        payload = None
        if self._plain(info):
            with contextlib.suppress(zipfile.BadZipFile, EOFError, OverBudget, zlib.error):
                payload = b"".join(inflate(self.data, info, [info.file_size]))
        if payload is None or len(payload) != info.file_size:
            with zipfile.ZipFile(io.BytesIO(self.data)) as archive:
                payload = archive.read(name)
        return payload

    def _keep(self, name: str, payload: bytes) -> None:
        if len(payload) <= self._room:
            self._kept[name] = payload
            self._room -= len(payload)

    def _plain(self, info: zipfile.ZipInfo) -> bool:
        """Whether zipfile reads the part as `inflate` does (zipfile refuses a part whose local header names
        another, decoding that name by the local header's own flags)."""
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x61:
            return False
        offset = info.header_offset
        try:
            (flags,) = struct.unpack_from("<H", self.data, offset + 6)
            (length,) = struct.unpack_from("<H", self.data, offset + 26)
            raw = self.data[offset + 30 : offset + 30 + length]
            if raw.isascii():  # the usual name: both decodings agree with ASCII, which is much the fastest
                return raw.decode("ascii") == info.orig_filename
            return (raw.decode("utf-8") if flags & 0x800 else raw.decode("cp437")) == info.orig_filename
        except (struct.error, UnicodeDecodeError):
            return False
