"""Names derived from the user's names: CloudFormation logical IDs, env vars, physical names.

Every derived name comes from the same word split, so two user names collide in
CloudFormation exactly when they collide as environment variables; the loader rejects both.
"""

from __future__ import annotations

import hashlib
import re

_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def words(name: str) -> list[str]:
    """Split `user-photos`, `user_photos` and `userPhotos` alike into ['user', 'photos']."""
    return [w.lower() for w in _WORD.findall(name)]


def pascal(name: str) -> str:
    """`user-photos` -> `UserPhotos`, the stem of CloudFormation logical IDs."""
    return "".join(w.capitalize() for w in words(name))


def upper_snake(name: str) -> str:
    """`user-photos` -> `USER_PHOTOS`, the stem of injected environment variables."""
    return "_".join(w.upper() for w in words(name))


def kebab(name: str) -> str:
    """`user_photos` -> `user-photos`, for physical names with strict character rules."""
    return "-".join(words(name))


def shorten(name: str, limit: int) -> str:
    """Fit `name` into `limit` characters, keeping it unique with a stable hash suffix."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: limit - 9].rstrip('-')}-{digest}"


FUNCTION_NAME_LIMIT = 64  # Lambda's limit on a function name


def function_name(project: str, stage: str, function: str) -> str:
    """A function's deployed (physical) name: `<project>-<stage>-<function>`, shortened with a
    stable hash to Lambda's 64 characters. The template, quick deploys and invokes all use it."""
    return shorten(f"{project}-{stage}-{kebab(function)}", FUNCTION_NAME_LIMIT)
