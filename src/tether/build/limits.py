"""Build stage: AWS Lambda's size limit, checked on the build's result before anything deploys.

Lambda unzips a function's code and all its layers into one space of at most 250 MB
(262,144,000 bytes) and refuses a function over it, after the upload. The build knows every
unzipped size (the code files' sizes before zipping, the layer zip's central directory), so it
refuses first, naming the total, the limit and the biggest contributors, with a hint.

`check_unzipped` takes the sizes of each part as (path, bytes) pairs: the code's before it is
zipped (so a 5 GB data file stops the build before it is compressed), then code and layer
together once the layer is built.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tether.errors import TetherError
from tether.model.limits import UNZIPPED_BYTES

UNZIPPED_LIMIT = UNZIPPED_BYTES  # Lambda's "250 MB" for code and layers together, unzipped
TOP_GROUPS = 5  # folders or top-level files listed in the error
TOP_FILES = 3  # single files listed in the error


@dataclass(frozen=True)
class Part:
    """One part of what a function unzips: the code zip or a layer, as (path, bytes) pairs."""

    label: str  # "code" or "layer"
    files: Sequence[tuple[str, int]]

    @property
    def size(self) -> int:
        return sum(size for _, size in self.files)


def zip_sizes(path: Path) -> list[tuple[str, int]]:
    """The unzipped size of every entry of a zip, from its central directory (nothing read)."""
    with zipfile.ZipFile(path) as archive:
        return [(info.filename, info.file_size) for info in archive.infolist()]


def check_unzipped(*parts: Part, limit: int | None = None) -> None:
    """Refuse code and layers that Lambda would refuse: over `limit` bytes unzipped."""
    limit = UNZIPPED_LIMIT if limit is None else limit
    total = sum(part.size for part in parts)
    if total <= limit:
        return
    what = " + ".join(f"{part.label} {size_text(part.size)}" for part in parts)
    lines = [
        f"the function code is {size_text(total)} unzipped ({total:,} bytes: {what}), over "
        f"AWS Lambda's limit of {size_text(limit)} ({limit:,} bytes) for a function's code "
        "and layers together, unzipped. The biggest contributors:"
    ]
    groups = sorted(
        ((size, part.label, name) for part in parts for name, size in _groups(part).items()),
        key=lambda row: (-row[0], row[1], row[2]),
    )[:TOP_GROUPS]
    listed = {(label, name) for _, label, name in groups}
    files = sorted(
        (
            (size, part.label, name)
            for part in parts
            for name, size in part.files
            if (part.label, name) not in listed
        ),
        key=lambda row: (-row[0], row[1], row[2]),
    )[:TOP_FILES]
    width = max(len(size_text(size)) for size, _, _ in [*groups, *files])
    lines += [f"    {size_text(s):>{width}}  {label:<5}  {name}" for s, label, name in groups]
    if files:
        lines.append("  and the biggest files in them:")
        lines += [f"    {size_text(s):>{width}}  {label:<5}  {name}" for s, label, name in files]
    raise TetherError("\n".join(lines), hint=_hint(parts))


def _groups(part: Part) -> dict[str, int]:
    """Sizes by top-level folder (`python/<package>/` in a layer) or top-level file."""
    depth = 2 if part.label == "layer" else 1
    sizes: dict[str, int] = {}
    for name, size in part.files:
        pieces = name.split("/")
        key = "/".join(pieces[:depth]) + "/" if len(pieces) > depth else name
        sizes[key] = sizes.get(key, 0) + size
    return sizes


def _hint(parts: Sequence[Part]) -> str:
    biggest = max(parts, key=lambda part: part.size)
    if biggest.label == "layer":
        return (
            f"the dependency layer alone is {size_text(biggest.size)}: drop from "
            "requirements.txt the packages the functions do not import, or pick slimmer ones "
            "(e.g. opencv-python-headless); keep data files in S3, not in the code"
        )
    return (
        "leave data, build output and vendored packages out of the code zip: list them in "
        ".tetherignore (`tether build --verbose` shows what is left out and why), list "
        "dependencies in requirements.txt (they go into the layer) instead of copying them into "
        "the project, and keep large data in S3"
    )


def size_text(n: int) -> str:
    """Bytes for people: `512 B`, `3.1 KiB`, `250.0 MiB`, `1.2 GiB`."""
    if n < 1024:
        return f"{n} B"
    if n < 1024**2:
        return f"{n / 1024:.1f} KiB"
    if n < 1024**3:
        return f"{n / 1024**2:.1f} MiB"
    return f"{n / 1024**3:.1f} GiB"
