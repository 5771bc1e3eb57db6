"""Read where every entry of a deterministic zip lies, without reading the entries' data.

`read_index` parses the end record and the central directory of a zip written by
`archive.write_zip` and checks each local header against its central record, so the zip patcher
can copy unchanged entries as raw byte ranges and reuse their central records. It accepts only
the layout that writer produces and refuses anything else with a clear `TetherError`: ZIP64,
more than 65,535 entries, encryption, data descriptors, extra fields, comments, methods other
than deflate, unsorted or duplicate names, gaps or overlaps between entries. Copying such an
entry verbatim could corrupt the result or make it differ from a full rebuild.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from typing import TypeAlias

from tether.errors import TetherError

Buffer: TypeAlias = bytes | bytearray | mmap.mmap

# The size beyond which Python's zipfile switches to ZIP64 records (zipfile.ZIP64_LIMIT).
ZIP64_LIMIT = (1 << 31) - 1
MAX_ENTRIES = 0xFFFF  # zipfile.ZIP_FILECOUNT_LIMIT; more needs a ZIP64 end record
DEFLATED = 8

LOCAL = struct.Struct("<4s5H3L2H")  # signature, version .. extra length: 30 bytes
CENTRAL = struct.Struct("<4s6H3L5H2L")  # signature, versions .. local header offset: 46 bytes
END = struct.Struct("<4s4H2LH")  # end of central directory record: 22 bytes
LOCAL_SIG = b"PK\x03\x04"
CENTRAL_SIG = b"PK\x01\x02"
END_SIG = b"PK\x05\x06"
ZIP64_LOCATOR_SIG = b"PK\x06\x07"
OFFSET_FIELD = 42  # where a central record stores its local header's offset

_ENCRYPTED = 0x0001 | 0x0040  # traditional and strong encryption
_DATA_DESCRIPTOR = 0x0008
_UTF8 = 0x0800


@dataclass(frozen=True)
class ZipIndex:
    """The entries of a zip, sorted by name, as parallel arrays.

    Entry i is `names[i]`; its local header and compressed data are the bytes
    `bounds[i]:bounds[i + 1]` and its central record `records[i]:records[i + 1]`, so the last
    bound is where the central directory starts and the last record bound where it ends.
    """

    names: tuple[str, ...]
    bounds: tuple[int, ...]
    records: tuple[int, ...]
    sizes: tuple[int, ...]  # uncompressed

    def __len__(self) -> int:
        return len(self.names)


REBUILD_HINT = (
    "build it again in full (a full deploy does): Tether patches only zips its own "
    "deterministic writer produced"
)


def refuse(label: str, why: str, hint: str = REBUILD_HINT) -> TetherError:
    return TetherError(f"cannot patch {label}: {why}", hint=hint)


def read_index(data: Buffer, label: str, *, hint: str = REBUILD_HINT) -> ZipIndex:
    """Index the zip in `data`; errors say "cannot patch {label}: ..." with `hint`."""
    try:
        return _read_index(data, label)
    except TetherError as exc:
        if hint == REBUILD_HINT:
            raise
        raise TetherError(exc.message, hint=hint) from None


def _read_index(data: Buffer, label: str) -> ZipIndex:
    total = len(data)
    end = total - END.size
    if end < 0 or data[end : end + 4] != END_SIG:
        tail = bytes(data[max(0, total - 65_557) :])
        if tail.rfind(END_SIG) == -1:
            raise refuse(label, "it is not a zip file (no end of central directory record)")
        raise refuse(label, "it has an archive comment or data after its end record")
    _, disk, cd_disk, on_disk, count, cd_size, cd_start, comment = END.unpack_from(data, end)
    if cd_start + cd_size != end:
        if end >= 20 and data[end - 20 : end - 16] == ZIP64_LOCATOR_SIG:
            raise refuse(label, "it is a ZIP64 archive (over 2 GiB or 65,535 entries)")
        raise refuse(label, "its central directory does not end where its end record starts")
    if max(cd_start, cd_size) > ZIP64_LIMIT:
        raise refuse(label, "it needs ZIP64 (over 2 GiB)")
    if comment:
        raise refuse(label, "it has an archive comment")
    if disk or cd_disk or on_disk != count:
        raise refuse(label, "it is a multi-disk archive")
    return _read_entries(data, label, count, cd_start, end)


def _read_entries(data: Buffer, label: str, count: int, cd_start: int, cd_end: int) -> ZipIndex:
    names: list[str] = []
    bounds = [0]
    records = [cd_start]
    sizes: list[int] = []
    unpack_central = CENTRAL.unpack_from
    unpack_local = LOCAL.unpack_from
    pos = cd_start
    start = 0
    previous = ""
    for _ in range(count):
        if pos + CENTRAL.size > cd_end:
            raise refuse(label, "its central directory is truncated")
        (
            sig,
            _made_by,
            version,
            flags,
            method,
            time,
            date,
            crc,
            csize,
            usize,
            name_len,
            extra_len,
            comment_len,
            disk,
            _internal,
            _external,
            offset,
        ) = unpack_central(data, pos)
        name_end = pos + CENTRAL.size + name_len
        record_end = name_end + extra_len + comment_len
        if sig != CENTRAL_SIG or record_end > cd_end:
            raise refuse(label, "its central directory is corrupt")
        raw_name = data[pos + CENTRAL.size : name_end]
        try:
            name = raw_name.decode("utf-8" if flags & _UTF8 else "ascii")
        except UnicodeDecodeError:
            raise refuse(label, f"the entry name {raw_name!r} is not flagged UTF-8") from None
        odd = flags & ~_UTF8 or method != DEFLATED or extra_len or comment_len or disk
        if odd or usize > ZIP64_LIMIT or not name or name[-1] == "/":
            raise _odd_record(label, name, flags, method, usize, offset)
        if name <= previous and names:
            what = "twice" if name == previous else "out of order (entries must be sorted)"
            raise refuse(label, f"entry {name!r} appears {what}")
        if offset != start:
            raise refuse(label, f"entry {name!r} does not start where the previous one ends")
        end = offset + LOCAL.size + name_len + csize
        if end > cd_start:
            raise refuse(label, f"entry {name!r} runs into the central directory")
        local = unpack_local(data, offset)
        if local != (LOCAL_SIG, version, flags, method, time, date, crc, csize, usize, name_len, 0):
            raise refuse(label, f"the local header of {name!r} does not match its central record")
        if data[offset + LOCAL.size : offset + LOCAL.size + name_len] != raw_name:
            raise refuse(label, f"the local header of {name!r} names another file")
        names.append(name)
        bounds.append(end)
        records.append(record_end)
        sizes.append(usize)
        previous = name
        start = end
        pos = record_end
    if pos != cd_end:
        raise refuse(label, "its central directory holds more than its end record counts")
    if start != cd_start:
        raise refuse(label, "it has data between its last entry and its central directory")
    return ZipIndex(tuple(names), tuple(bounds), tuple(records), tuple(sizes))


def _odd_record(
    label: str, name: str, flags: int, method: int, usize: int, offset: int
) -> TetherError:
    """Why a central record is not one `archive.write_zip` writes, most useful reason first."""
    if flags & _ENCRYPTED:
        return refuse(label, f"entry {name!r} is encrypted")
    if flags & _DATA_DESCRIPTOR:
        return refuse(label, f"entry {name!r} has a data descriptor (sizes after its data)")
    if usize > ZIP64_LIMIT or offset == 0xFFFFFFFF:
        return refuse(label, f"entry {name!r} needs ZIP64 (over 2 GiB)")
    if not name or name.endswith("/"):
        return refuse(label, f"it holds a directory entry or an empty name ({name!r})")
    if flags & ~_UTF8:
        return refuse(label, f"entry {name!r} has general purpose flags {flags:#06x}")
    if method != DEFLATED:
        return refuse(label, f"entry {name!r} uses compression method {method}, not deflate")
    return refuse(label, f"entry {name!r} has an extra field, a comment or a disk number")
