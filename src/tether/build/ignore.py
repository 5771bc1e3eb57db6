"""Build stage, code half: gitignore-style patterns, for `.gitignore` and `.tetherignore` files.

The code zip leaves out what the project's `.gitignore` files ignore (the one at the root and
any in subfolders) and what `.tetherignore` lists. Both use git's pattern syntax (gitignore(5)):
`#` comments, `!` negation, `dir/` for directories only, a leading or inner `/` anchoring the
pattern to the file's own folder, `*`, `?`, `[a-z]`, and `**` across folders.

Patterns are matched the way git matches them while it walks a tree: each pattern is tried on
one path at a time (a directory, or a file), never on the files below a directory it matched;
a directory that is left out is not entered, so nothing under it can be re-included (re-include
the directory itself). That is why this is a small matcher of its own rather than `pathspec`,
whose whole-path matching gives other answers than git for common idioms (`*` then `!*/` then
`!*.py`, or a file re-included under an ignored folder); the build tests compare it with
`git check-ignore`.

Precedence, as in git: within one file the last matching line wins; a deeper `.gitignore`
overrides the ones above it. `.tetherignore` overrides every `.gitignore` (code.py applies it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

GITIGNORE = ".gitignore"
TETHERIGNORE = ".tetherignore"
_WILDCARDS = re.compile(r"(?<!\\)[*?\[]")


def glob_regex(pattern: str) -> str:
    """A gitignore glob as a regex for `re.fullmatch`: `*` and `?` stop at `/`; `**/`, `/**/`
    and a trailing `/**` cross folders (any other `**` is a plain `*`)."""
    out: list[str] = []
    i = 0
    n = len(pattern)
    while i < n:
        char = pattern[i]
        if pattern.startswith("**", i) and (i == 0 or pattern[i - 1] == "/"):
            stars = len(pattern[i:]) - len(pattern[i:].lstrip("*"))
            after = i + stars
            if after < n and pattern[after] == "/":  # a whole component of stars: `**/`
                out.append("(?:.*/)?")
                i = after + 1
                continue
            if after == n:  # a trailing `/**`, or a pattern that is only stars
                out.append(".*")
                i = after
                continue
        if char == "*":
            while i < n and pattern[i] == "*":
                i += 1
            out.append("[^/]*")
            continue
        if char == "?":
            out.append("[^/]")
        elif char == "[" and (end := _class_end(pattern, i)) != -1:
            out.append(_class_regex(pattern[i + 1 : end]))
            i = end + 1
            continue
        elif char == "\\" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def _class_end(pattern: str, start: int) -> int:
    """Index of the `]` closing the bracket expression at `start`, or -1 (then `[` is literal)."""
    i = start + 1
    if i < len(pattern) and pattern[i] in "!^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":  # a leading `]` is a member
        i += 1
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
            continue
        if pattern[i] == "]":
            return i
        i += 1
    return -1


def _class_regex(body: str) -> str:
    negate = body[:1] in ("!", "^")
    if negate:
        body = body[1:]
    members: list[str] = []
    i = 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            members.append(re.escape(body[i + 1]))
            i += 2
            continue
        members.append(body[i] if body[i] == "-" else re.escape(body[i]))
        i += 1
    # a class never matches `/`, as in git's wildmatch with FNM_PATHNAME
    return "(?!/)[" + ("^" if negate else "") + "".join(members) + "]"


@dataclass(frozen=True)
class IgnorePattern:
    """One pattern line of a `.gitignore` or `.tetherignore` file."""

    source: str  # the ignore file, project-relative: ".gitignore", "app/.gitignore", ...
    line: int  # 1-based
    text: str  # the line as written, without trailing spaces
    regex: re.Pattern[str]
    dir_only: bool  # `dir/`: matches directories only
    anchored: bool  # a `/` before the end: matched on the path below the file's folder
    negated: bool  # `!pattern`: re-includes what an earlier line left out
    literal: bool  # no wildcard: names exactly one path (or name)

    @classmethod
    def parse(cls, text: str, line: int, source: str = TETHERIGNORE) -> IgnorePattern | None:
        body = _trim_trailing_spaces(text)
        shown = body
        if not body or body.startswith("#"):
            return None
        negated = body.startswith("!")
        if negated:
            body = body[1:]
        dir_only = body.endswith("/") and not body.endswith("\\/")
        body = body.rstrip("/")
        anchored = "/" in body
        body = body.lstrip("/")
        if not body:
            return None
        try:
            regex = re.compile(glob_regex(body))
        except re.error:
            return None  # git drops a pattern it cannot parse
        literal = _WILDCARDS.search(body) is None
        return cls(source, line, shown, regex, dir_only, anchored, negated, literal)

    def matches(self, sub: str, name: str, is_dir: bool) -> bool:
        """Whether the pattern matches `sub` (the path below its file's folder), named `name`."""
        if self.dir_only and not is_dir:
            return False
        return self.regex.fullmatch(sub if self.anchored else name) is not None

    @property
    def where(self) -> str:
        """`.gitignore:3 (dist/)`: the file, line and pattern, as the build reports them."""
        return f"{self.source}:{self.line} ({self.text})"


def _trim_trailing_spaces(text: str) -> str:
    """git drops trailing spaces unless the last one is escaped with a backslash."""
    body = text.rstrip("\r\n")
    stripped = body.rstrip(" ")
    if stripped.endswith("\\") and len(stripped) < len(body):
        return stripped + " "
    return stripped


@dataclass(frozen=True)
class IgnoreFile:
    """The patterns of one ignore file, which apply to paths under its folder."""

    path: str  # project-relative
    base: str  # its folder, project-relative, "" or ending in "/"
    patterns: tuple[IgnorePattern, ...]

    @classmethod
    def parse(cls, text: str, path: str) -> IgnoreFile:
        base = path.rpartition("/")[0]
        patterns = (
            IgnorePattern.parse(line, number, path)
            for number, line in enumerate(text.splitlines(), start=1)
        )
        return cls(path, base + "/" if base else "", tuple(p for p in patterns if p is not None))

    @classmethod
    def read(cls, file: Path, path: str) -> IgnoreFile:
        """Read an ignore file leniently: a `.gitignore` is the user's, not ours to refuse, and
        bytes that are not UTF-8 still match the same bytes in file names."""
        data = file.read_bytes()
        return cls.parse(data.decode("utf-8-sig", errors="surrogateescape"), path)

    def match(self, rel: str, name: str, is_dir: bool) -> IgnorePattern | None:
        """The last pattern matching `rel` (project-relative), negated or not; None if none."""
        if not rel.startswith(self.base):
            return None
        sub = rel[len(self.base) :]
        for pattern in reversed(self.patterns):
            if pattern.matches(sub, name, is_dir):
                return pattern
        return None
