"""Build stage: reading the user's text inputs (requirements files, `.tetherignore`) as UTF-8.

`decode_utf8` accepts UTF-8, with or without a byte-order mark (as pip does), and refuses
anything else with an error that names the file, the line and column, and the offending byte,
and guesses what the file was saved as: UTF-16 (Windows PowerShell's `>` writes it) or a
single-byte code page such as Latin-1.
"""

from __future__ import annotations

import codecs

from tether.errors import TetherError

_UTF16_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def decode_utf8(raw: bytes, shown: str) -> str:
    """`raw` as text; `shown` is the file's name in the error when it is not UTF-8."""
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    elif raw.startswith(_UTF16_BOMS):
        width = "32" if raw.startswith(_UTF16_BOMS[:2]) else "16"
        raise TetherError(
            f"{shown} is UTF-{width} text (it starts with a UTF-{width} byte-order mark), "
            "not UTF-8",
            hint=f"save {shown} as UTF-8; Windows PowerShell's `>` writes UTF-16, so write it "
            f"with `pip freeze | Out-File -Encoding utf8 {shown}` instead",
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = exc.start
        line_start = raw.rfind(b"\n", 0, start) + 1
        line_end = raw.find(b"\n", start)
        text = raw[line_start : line_end if line_end != -1 else len(raw)]
        line = raw.count(b"\n", 0, start) + 1
        column = start - line_start + 1
        guess = (
            "it has NUL bytes: it looks like UTF-16 saved without a byte-order mark"
            if b"\x00" in raw
            else "it looks like Latin-1 or Windows-1252 text"
        )
        shown_line = text.decode("utf-8", errors="replace").rstrip("\r")
        raise TetherError(
            f"{shown}:{line}:{column}: byte 0x{raw[start]:02x} (byte {start + 1} of the file) "
            f"is not UTF-8; {guess}:\n    {shown_line}",
            hint=f"save {shown} as UTF-8 (in most editors: Save with Encoding, UTF-8)",
        ) from None
