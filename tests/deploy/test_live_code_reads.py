"""What each function of a stage runs is read in ListFunctions' pages, not a request per
function, and only as far as needed; credentials that may not list functions fall back to one
read per function (logic only, with an in-memory stand-in for Lambda)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from typing import Any

import pytest

from tests.deploy.fake_cloud import FakeCloud
from tether.cloud.session import CloudError
from tether.deploy.code_updates import listed_code


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class FakeLambda:
    """An account's functions (name -> code), listed 50 a page."""

    def __init__(self, code: dict[str, str], *, may_list: bool = True) -> None:
        self.code = code
        self.may_list = may_list
        self.calls: list[str] = []

    def _config(self, name: str) -> dict[str, Any]:
        digest = bytes.fromhex(sha(self.code[name]))
        return {"FunctionName": name, "CodeSha256": base64.b64encode(digest).decode()}

    def get_paginator(self, operation: str) -> Any:
        assert operation == "list_functions"
        lam = self

        class Pages:
            def paginate(self) -> Iterator[dict[str, Any]]:
                names = sorted(lam.code)
                for start in range(0, len(names), 50):
                    lam.calls.append("ListFunctions")
                    if not lam.may_list:
                        raise CloudError("access denied", code="AccessDeniedException")
                    yield {"Functions": [lam._config(n) for n in names[start : start + 50]]}

        return Pages()

    def get_function_configuration(self, *, FunctionName: str) -> dict[str, Any]:
        self.calls.append("GetFunctionConfiguration")
        if FunctionName not in self.code:
            raise self.exceptions.ResourceNotFoundException()
        return self._config(FunctionName)

    class exceptions:  # boto3's spelling
        class ResourceNotFoundException(Exception):
            pass


def account(functions: int) -> dict[str, str]:
    return {f"app-dev-f{index:03}": f"code {index}" for index in range(functions)}


def test_a_stage_s_code_is_read_in_pages_until_every_function_is_found() -> None:
    lam = FakeLambda({**account(200), "zzz-other": "theirs"})
    names = {f"f{index:03}": f"app-dev-f{index:03}" for index in range(120)}
    found = listed_code(FakeCloud(lam), names)  # type: ignore[arg-type]
    assert found == {f: sha(f"code {int(f[1:])}") for f in names}
    assert lam.calls == ["ListFunctions"] * 3  # 120 functions: the third page has the last


def test_a_function_not_listed_is_gone() -> None:
    lam = FakeLambda(account(3))
    found = listed_code(FakeCloud(lam), {"f001": "app-dev-f001", "old": "app-dev-old"})  # type: ignore[arg-type]
    assert found == {"f001": sha("code 1"), "old": None}


def test_credentials_that_may_not_list_read_each_function() -> None:
    lam = FakeLambda(account(3), may_list=False)
    names = {"f000": "app-dev-f000", "f002": "app-dev-f002"}
    found = listed_code(FakeCloud(lam), names)  # type: ignore[arg-type]
    assert found == {"f000": sha("code 0"), "f002": sha("code 2")}
    assert lam.calls == ["ListFunctions", "GetFunctionConfiguration", "GetFunctionConfiguration"]


def test_other_failures_of_the_listing_are_not_hidden() -> None:
    class Broken(FakeLambda):
        def get_paginator(self, operation: str) -> Any:
            raise CloudError("the local cloud failed ListFunctions", code="ServiceException")

    with pytest.raises(CloudError):
        listed_code(FakeCloud(Broken(account(1))), {"f000": "app-dev-f000"})  # type: ignore[arg-type]
