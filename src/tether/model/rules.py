"""Value rules of the project file: names, ARNs, schedule expressions, routes, handlers.

Each rule takes a value and returns None when it is fine, or (message, hint) saying what is
wrong and how to fix it. The loader attaches the file position.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

Finding = tuple[str, str] | None

RUNTIMES = ("python3.11", "python3.12", "python3.13")
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")

_PROJECT_NAME = re.compile(r"^[a-z][a-z0-9-]{0,29}$")
_STAGE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,15}$")
_ENTITY_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,47}$")
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d{1,2}$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IP = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
_ENV_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]+$")  # what the Lambda API accepts
_PARTITION = r"arn:aws(?:-cn|-us-gov|-iso|-iso-b)?"
_ACCOUNT_REGION = r"[a-z0-9-]+:\d{12}"
EXTERNAL_ARN = {
    "s3.bucket": re.compile(rf"^{_PARTITION}:s3:::(?P<name>[^/:]+)$"),
    "dynamodb.table": re.compile(
        rf"^{_PARTITION}:dynamodb:{_ACCOUNT_REGION}:table/(?P<name>[A-Za-z0-9_.-]{{3,255}})$"
    ),
    "sns.topic": re.compile(
        rf"^{_PARTITION}:sns:{_ACCOUNT_REGION}:(?P<name>[A-Za-z0-9_-]{{1,256}}(\.fifo)?)$"
    ),
    "sqs.queue": re.compile(
        rf"^{_PARTITION}:sqs:{_ACCOUNT_REGION}:(?P<name>[A-Za-z0-9_-]{{1,80}}(\.fifo)?)$"
    ),
}
EXTERNAL_EXAMPLE = {
    "s3.bucket": "arn:aws:s3:::my-bucket (or just my-bucket)",
    "dynamodb.table": "arn:aws:dynamodb:us-east-1:123456789012:table/my-table",
    "sns.topic": "arn:aws:sns:us-east-1:123456789012:my-topic",
    "sqs.queue": "arn:aws:sqs:us-east-1:123456789012:my-queue",
}
STREAM_ARN = re.compile(
    rf"^{_PARTITION}:dynamodb:{_ACCOUNT_REGION}:table/[A-Za-z0-9_.-]{{3,255}}/stream/[^/]+$"
)
_RESERVED_ENV = re.compile(
    r"^(AWS_|LAMBDA_|_HANDLER$|_X_AMZN_TRACE_ID$|TZ$|LANG$|PATH$|PYTHONPATH$)"
)


def project_name(value: str) -> Finding:
    if _PROJECT_NAME.match(value):
        return None
    return (
        f"invalid project name {value!r}",
        "use 1-30 lowercase letters, digits and hyphens, starting with a letter "
        "(it becomes part of stack, function and bucket names)",
    )


def stage_name(value: str) -> Finding:
    if _STAGE_NAME.match(value):
        return None
    return (
        f"invalid stage name {value!r}",
        "use 1-16 lowercase letters, digits and hyphens, starting with a letter, e.g. dev or prod",
    )


def entity_name(kind: str, value: str) -> Finding:
    if _ENTITY_NAME.match(value):
        return None
    return (
        f"invalid {kind} name {value!r}",
        "use 1-48 letters, digits, '-' and '_', starting with a letter "
        "(names become CloudFormation logical IDs and environment variables)",
    )


def region(value: str) -> Finding:
    if _REGION.match(value):
        return None
    return (f"invalid region {value!r}", "write an AWS region code such as us-east-1 or eu-west-2")


def bucket_name(value: str) -> Finding:
    problem = None
    if not 3 <= len(value) <= 63:
        problem = "must be 3-63 characters long"
    elif not _BUCKET.match(value):
        problem = "may only hold lowercase letters, digits, '.' and '-', and start and end with a letter or digit"
    elif ".." in value or _IP.match(value):
        problem = "may not contain '..' or look like an IP address"
    elif value.startswith("xn--") or value.endswith("-s3alias"):
        problem = "may not start with 'xn--' or end with '-s3alias'"
    if problem is None:
        return None
    return (
        f"invalid bucket name {value!r}: a bucket name {problem}",
        "see the S3 bucket naming rules",
    )


def env_var_name(value: str) -> Finding:
    if _RESERVED_ENV.match(value):
        return (
            f"environment variable {value!r} is reserved by AWS Lambda",
            "choose another name; Lambda sets AWS_*, LAMBDA_*, _HANDLER, TZ, PATH and friends itself",
        )
    if not _ENV_NAME.match(value):
        return (
            f"invalid environment variable name {value!r}",
            "use at least two letters, digits and '_', starting with a letter",
        )
    return None


# --- schedule expressions ----------------------------------------------------------------

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_CRON_FIELD = [
    ("minutes", re.compile(r"^[0-9,\-*/]+$")),
    ("hours", re.compile(r"^[0-9,\-*/]+$")),
    ("day-of-month", re.compile(r"^[0-9,\-*/?LW]+$")),
    ("month", re.compile(r"^([0-9,\-*/]|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)+$")),
    ("day-of-week", re.compile(r"^([0-9,\-*/?L#]|SUN|MON|TUE|WED|THU|FRI|SAT)+$")),
    ("year", re.compile(r"^[0-9,\-*/]+$")),
]
SCHEDULE_HINT = "write rate(5 minutes), rate(1 day) or cron(0 3 * * ? *) (six fields: min hour day month weekday year)"


def schedule_expression(value: str) -> Finding:
    rate = _RATE.match(value)
    if rate:
        count, unit = int(rate.group(1)), rate.group(2)
        if count == 0:
            return ("a rate must be at least 1", SCHEDULE_HINT)
        if (count == 1) != (not unit.endswith("s")):
            fixed = (
                unit.rstrip("s") if count == 1 else unit + "s" if not unit.endswith("s") else unit
            )
            return (
                f"invalid schedule expression {value!r}: AWS wants the unit to agree with the count",
                f"write rate({count} {fixed})",
            )
        return None
    cron = _CRON.match(value)
    if cron:
        fields = cron.group(1).split()
        if len(fields) != 6:
            return (
                f"invalid schedule expression {value!r}: cron takes 6 fields, found {len(fields)}",
                SCHEDULE_HINT,
            )
        for text, (label, pattern) in zip(fields, _CRON_FIELD, strict=True):
            if not pattern.match(text.upper()):
                return (f"invalid {label} field {text!r} in {value!r}", SCHEDULE_HINT)
        if (fields[2] == "?") == (fields[4] == "?"):
            return (
                f"invalid schedule expression {value!r}: exactly one of day-of-month and "
                "day-of-week must be '?'",
                "e.g. cron(0 3 * * ? *) runs at 03:00 UTC every day",
            )
        return None
    return (f"invalid schedule expression {value!r}", SCHEDULE_HINT)


# --- HTTP routes -------------------------------------------------------------------------

_SEGMENT = re.compile(r"^([A-Za-z0-9._~-]+|\{[A-Za-z_][A-Za-z0-9_]*\+?\})$")
ROUTE_HINT = 'write "METHOD /path", e.g. "GET /orders/{id}", "ANY /files/{proxy+}" or "$default"'


class RouteError(ValueError):
    """A malformed route; carries the message and the fix hint."""

    def __init__(self, message: str, hint: str = ROUTE_HINT) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def parse_route(value: str) -> tuple[str, str]:
    """Split a route into (method, path); `$default` gives ("", "$default")."""
    if value == "$default":
        return ("", "$default")
    method, _, path = value.strip().partition(" ")
    path = path.strip()
    if method.upper() not in HTTP_METHODS or not path:
        raise RouteError(f"invalid route {value!r}")
    if method != method.upper():
        raise RouteError(
            f"invalid route {value!r}: methods are upper case", f'write "{method.upper()} {path}"'
        )
    if not path.startswith("/"):
        raise RouteError(f"invalid route {value!r}: the path must start with '/'")
    if path != "/":
        segments = path[1:].split("/")
        for i, segment in enumerate(segments):
            if not _SEGMENT.match(segment):
                raise RouteError(f"invalid route {value!r}: bad path segment {segment!r}")
            if segment.endswith("+}") and i != len(segments) - 1:
                raise RouteError(
                    f"invalid route {value!r}: a greedy {segment} must be the last segment"
                )
    return (method, path)


def route_identity(method: str, path: str) -> str:
    """Routes that API Gateway treats as the same: parameter names do not matter."""
    return method + " " + re.sub(r"\{[^}+]*(\+?)\}", r"{\1}", path)


# --- handlers ----------------------------------------------------------------------------


def handler(root: Path, value: str) -> tuple[str, str, str, int] | None:
    """Check that `path/to/module.function` names a Python file defining that function.

    Returns None when fine, else (message, hint, file, line) where file is the file to blame
    ("" for the project file) and line the line in it (0 when unknown).
    """
    module, dot, function = value.rpartition(".")
    if not dot or not module or not function.isidentifier() or value.endswith(".py"):
        example = f"{module}.handler" if value.endswith(".py") else "app/resize.handler"
        return (
            f"invalid handler {value!r}",
            f"write the file path without .py, a dot, then the function name: {example}",
            "",
            0,
        )
    rel = module.replace(".", "/") if "/" not in module else module
    if rel.startswith("/") or ".." in rel.split("/"):
        return (
            f"handler {value!r} points outside the project",
            "the handler's file must be inside the project directory; write its path relative "
            "to tether.yaml, e.g. app/resize.handler",
            "",
            0,
        )
    candidates = [root / f"{rel}.py", root / rel / "__init__.py"]
    path = next((c for c in candidates if c.is_file()), None)
    if path is None:
        return (
            f"handler file {rel}.py does not exist",
            f"create {rel}.py with `def {function}(event, context):`, or fix the path",
            "",
            0,
        )
    shown = path.relative_to(root).as_posix()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return (f"{shown} is not UTF-8 text", "save the file as UTF-8", shown, 1)
    except OSError as exc:
        return (f"cannot read {shown}: {exc.strerror or exc}", "check its permissions", shown, 1)
    return handler_source(text, shown, function)


def handler_source(text: str, shown: str, function: str) -> tuple[str, str, str, int] | None:
    """Check that the Python source `text` of file `shown` defines `function` at top level
    (parsed, never run); None when it does, else (message, hint, file, line)."""
    try:
        tree = ast.parse(text, filename=shown)
    except SyntaxError as exc:
        return (f"syntax error in {shown}: {exc.msg}", "fix the code", shown, exc.lineno or 1)
    except (RecursionError, MemoryError):
        # e.g. `x = 1 + 1 + ...` fifty thousand times: CPython's parser recurses per operator
        return (
            f"{shown} is nested too deeply for Python to parse",
            "split the long expression into several statements",
            shown,
            1,
        )
    except ValueError:  # NUL bytes
        return (f"{shown} cannot be parsed", "fix the code", shown, 1)
    defined = _top_level_names(tree)
    if function not in defined:
        found = ", ".join(sorted(n for n in defined if not n.startswith("_"))) or "none"
        return (
            f"{shown} defines no top-level function {function!r}",
            f"add `def {function}(event, context):` to {shown} (top-level names there: {found})",
            "",
            0,
        )
    return None


def _top_level_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names
