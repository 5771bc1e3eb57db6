"""ListFunctions as Lambda answers it: at most 50 functions a page with a NextMarker, each with
the subset of its configuration Lambda lists, and without deep-copying every function.

- Pages: moto answered every function at once, so a client that never follows NextMarker saw
  everything locally and would miss functions on AWS. Here a page holds at most
  min(MaxItems, 50) entries, in the order of their ARNs; the marker names the last one listed,
  so functions created or deleted between two pages do not shift the next one.
- Fields: Lambda leaves out State, StateReason(Code), LastUpdateStatus(Reason, ReasonCode) and
  RuntimeVersionConfig (GetFunction has them); moto listed them, so code that waited on a
  listed LastUpdateStatus worked only here.
- FunctionVersion=ALL: moto lists each function's $LATEST as a deep copy (to give the copy its
  `:$LATEST` ARN): about 8 ms a function here, where a function holds its code's and runtime's
  state, so listing 200 functions took 1.7 s. A shallow copy gives the same answer (only the
  copy's ARN is changed).

Hooks: replaces `LambdaStorage.all` and `LambdaResponse.list_functions`.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
from collections.abc import Iterable
from typing import Any

from moto.awslambda.exceptions import InvalidParameterValueException, ValidationException
from moto.awslambda.models import LambdaFunction, LambdaStorage
from moto.awslambda.responses import LambdaResponse

from tether.localcloud._patching import replace

PAGE = 50  # Lambda's most functions in one ListFunctions answer, whatever MaxItems asks
MAX_ITEMS = 10_000  # the largest MaxItems Lambda accepts
# What Lambda's ListFunctions leaves out of each function's configuration.
UNLISTED = (
    "State",
    "StateReason",
    "StateReasonCode",
    "LastUpdateStatus",
    "LastUpdateStatusReason",
    "LastUpdateStatusReasonCode",
    "RuntimeVersionConfig",
)


def _all(self: LambdaStorage) -> Iterable[LambdaFunction]:
    found: list[LambdaFunction] = []
    for group in list(self._functions.values()):
        latest = copy.copy(group["latest"])
        latest.function_arn = f"{latest.function_arn}:$LATEST"
        found.append(latest)
        found.extend(group["versions"])
    return found


def _list_functions(self: LambdaResponse) -> str:
    version = self._get_param("FunctionVersion")
    if version is not None and version != "ALL":
        raise ValidationException(
            version, "functionVersion", "Member must satisfy enum value set: [ALL]"
        )
    wanted = _max_items(self._get_param("MaxItems"))
    after = _after(self._get_param("Marker"))
    listed = sorted(self.backend.list_functions(version), key=lambda fn: str(fn.function_arn))
    rest = [fn for fn in listed if after is None or str(fn.function_arn) > after]
    page = [fn.get_configuration() for fn in rest[: min(wanted, PAGE)]]
    result: dict[str, Any] = {
        "Functions": [{k: v for k, v in c.items() if k not in UNLISTED} for c in page]
    }
    if len(rest) > len(page):
        result["NextMarker"] = _marker(str(page[-1]["FunctionArn"]))
    return json.dumps(result)


def _max_items(value: str | None) -> int:
    if value is None:
        return PAGE
    try:
        wanted = int(value)
    except ValueError:
        raise ValidationException(value, "maxItems", "Member must be an integer") from None
    if not 1 <= wanted <= MAX_ITEMS:
        bound = "greater than or equal to 1" if wanted < 1 else f"less than or equal to {MAX_ITEMS}"
        raise ValidationException(value, "maxItems", f"Member must have value {bound}")
    return wanted


def _marker(arn: str) -> str:
    return base64.urlsafe_b64encode(arn.encode()).decode()


def _after(marker: str | None) -> str | None:
    """The ARN the page before `marker` ended with (None for the first page)."""
    if not marker:
        return None
    try:
        arn = base64.urlsafe_b64decode(marker.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        arn = ""
    if not arn.startswith("arn:"):
        raise InvalidParameterValueException(f"Invalid marker: {marker}")
    return arn


def install() -> None:
    replace(LambdaStorage, "all", _all)
    replace(LambdaResponse, "list_functions", _list_functions)
