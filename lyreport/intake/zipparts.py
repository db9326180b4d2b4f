"""The parts of one zip-based workbook, opened once in the reader worker and shared.

The pre-check parses the zip directory and inflates (bounded, CRC-checked) every part the reader will
parse; the marks (hidden rows, formulas without a result: sheetmarks.py) and the saved time (saved.py)
need some of the same parts again. Parsing the directory and inflating a part cost more than scanning
it, so the pre-check keeps what it inflated here and the others read from it instead of reopening
the file.
"""

from __future__ import annotations

import contextlib
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
    parts inflated so far."""

    def __init__(self, data: bytes, infos: list[zipfile.ZipInfo]):
        self.data = data
        self.infos = {info.filename: info for info in infos}
        self._kept: dict[str, bytes] = {}
        self._room = KEEP_BYTES

    def keeping(self, info: zipfile.ZipInfo, chunks: Iterator[bytes]) -> Iterator[bytes]:
        """Pass `chunks` through; once they have all gone through (CRC checked), keep them for `read`.

        A part read only in part (the scan stopped early) or too big for the room left is not kept.
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
        if kept is not None and self.infos.get(name) is info:
            self._kept[name] = b"".join(kept)
            self._room -= size

    def read_as_zipfile(self, archive: zipfile.ZipFile, name: str) -> bytes:
        """archive.read(name), kept for `read`: inflated here when the part is plain (deflated or stored, a
        local header that names it, as many bytes as declared, right CRC), so that the bytes are the ones
        zipfile gives; anything else goes to zipfile itself, which gives what it gives or raises what it raises.
        """
        info = self.infos[name]
        payload = None
        if info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) and not info.flag_bits & 0x61:
            with contextlib.suppress(
                zipfile.BadZipFile, EOFError, OverBudget, zlib.error, struct.error, UnicodeDecodeError
            ):
                if self._local_name(info) == info.orig_filename:
                    payload = b"".join(inflate(self.data, info, [info.file_size]))
        if payload is None or len(payload) != info.file_size:
            payload = archive.read(name)
        if len(payload) <= self._room:
            self._kept[name] = payload
            self._room -= len(payload)
        return payload

    def _local_name(self, info: zipfile.ZipInfo) -> str:
        """The name in the part's local header, decoded as zipfile does (it refuses a part whose names differ)."""
        offset = info.header_offset
        (flags,) = struct.unpack_from("<H", self.data, offset + 6)  # the local header's own flags, as zipfile
        (length,) = struct.unpack_from("<H", self.data, offset + 26)
        raw = self.data[offset + 30 : offset + 30 + length]
        return raw.decode("utf-8") if flags & 0x800 else raw.decode("cp437")

    def read(self, name: str, limit: int) -> bytes:
        """The whole part: as kept, else inflated now (OverBudget beyond `limit` bytes, KeyError if absent)."""
        kept = self._kept.get(name)
        if kept is not None:
            if len(kept) > limit:
                raise OverBudget(name)
            return kept
        return b"".join(inflate(self.data, self.infos[name], [limit]))
