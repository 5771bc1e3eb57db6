"""ListFunctions as Lambda answers it: 50 functions a page with a marker to the next, the
fields Lambda lists; of every version, each function's $LATEST (with its `:$LATEST` ARN) and its
published versions, leaving the functions themselves as they were."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.localcloud.helpers import Client, unique


def test_listing_all_versions_names_latest_and_each_version(
    aws: Client, artifact: dict[str, str]
) -> None:
    lam = aws("lambda")
    name = unique("listed")
    created = lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=artifact["role"],
        Handler="app/handler.handler",
        Code={"S3Bucket": artifact["bucket"], "S3Key": artifact["key"]},
    )
    lam.publish_version(FunctionName=name)

    listed = [
        f["FunctionArn"]
        for page in lam.get_paginator("list_functions").paginate(FunctionVersion="ALL")
        for f in page["Functions"]
        if f["FunctionName"] == name
    ]
    assert sorted(listed) == sorted(
        [f"{created['FunctionArn']}:$LATEST", f"{created['FunctionArn']}:1"]
    )
    # The listing's `:$LATEST` ARN belongs to the copy it listed, not to the function.
    after = lam.get_function_configuration(FunctionName=name)
    assert after["FunctionArn"] == created["FunctionArn"]
    assert lam.invoke(FunctionName=name)["StatusCode"] == 200


def test_functions_are_listed_50_a_page_with_a_marker_to_the_next(
    aws: Client, artifact: dict[str, str]
) -> None:
    """A client that never follows NextMarker sees at most 50 functions, as on AWS (a deploy
    reading 200 functions' code from one page would miss 150 of them there)."""
    lam = aws("lambda")
    stem = unique("paged")
    created = [
        lam.create_function(
            FunctionName=f"{stem}-{index:02}",
            Runtime="python3.12",
            Role=artifact["role"],
            Handler="app/handler.handler",
            Code={"S3Bucket": artifact["bucket"], "S3Key": artifact["key"]},
        )["FunctionName"]
        for index in range(51)
    ]

    first = lam.list_functions()
    assert len(first["Functions"]) == 50 and first["NextMarker"]
    assert len(lam.list_functions(MaxItems=3)["Functions"]) == 3
    assert len(lam.list_functions(MaxItems=500)["Functions"]) == 50

    # One at a time through the markers: each function once, though one is deleted on the way.
    seen: list[str] = []
    marker = None
    while True:
        page = lam.list_functions(MaxItems=1, **({"Marker": marker} if marker else {}))
        assert len(page["Functions"]) <= 1
        seen += [f["FunctionName"] for f in page["Functions"]]
        if seen and seen[-1] == created[0]:
            lam.delete_function(FunctionName=created[1])
        marker = page.get("NextMarker")
        if not marker:
            break
    assert [name for name in seen if name.startswith(stem)] == [created[0], *created[2:]]
    assert len(seen) == len(set(seen))

    with pytest.raises(ClientError) as refused:
        lam.list_functions(Marker="not-a-marker")
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_a_listed_function_has_the_fields_lambda_lists(
    aws: Client, artifact: dict[str, str]
) -> None:
    """ListFunctions leaves out the state and the last update's status (GetFunction has them):
    code that waits on a listed LastUpdateStatus would wait forever on AWS."""
    lam = aws("lambda")
    name = unique("fields")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=artifact["role"],
        Handler="app/handler.handler",
        Code={"S3Bucket": artifact["bucket"], "S3Key": artifact["key"]},
    )
    (listed,) = [
        f
        for page in lam.get_paginator("list_functions").paginate()
        for f in page["Functions"]
        if f["FunctionName"] == name
    ]
    configured = lam.get_function_configuration(FunctionName=name)
    assert "State" in configured and "LastUpdateStatus" in configured
    assert not {"State", "StateReason", "LastUpdateStatus"} & set(listed)
    assert listed["CodeSha256"] == configured["CodeSha256"]
