"""ListFunctions of every version answers each function's $LATEST (with its `:$LATEST` ARN)
and its published versions, and leaves the functions themselves as they were."""

from __future__ import annotations

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
