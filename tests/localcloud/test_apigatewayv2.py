"""An HTTP API declared in a template exists in API Gateway v2, with its integration, route and
stage, and its endpoint is a stack output."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.localcloud.helpers import (
    Client,
    assert_status,
    body,
    function,
    outputs,
    physical_ids,
    unique,
)


def template(artifact: dict[str, str], fn: str, route_key: str) -> str:
    return body(
        {
            "Fn": function(artifact, fn),
            "Api": {
                "Type": "AWS::ApiGatewayV2::Api",
                "Properties": {"Name": fn, "ProtocolType": "HTTP", "Tags": {"team": "web"}},
            },
            "Integration": {
                "Type": "AWS::ApiGatewayV2::Integration",
                "Properties": {
                    "ApiId": {"Ref": "Api"},
                    "IntegrationType": "AWS_PROXY",
                    "IntegrationUri": {"Fn::GetAtt": ["Fn", "Arn"]},
                    "PayloadFormatVersion": "2.0",
                },
            },
            "Route": {
                "Type": "AWS::ApiGatewayV2::Route",
                "Properties": {
                    "ApiId": {"Ref": "Api"},
                    "RouteKey": route_key,
                    "Target": {"Fn::Sub": "integrations/${Integration}"},
                },
            },
            "Stage": {
                "Type": "AWS::ApiGatewayV2::Stage",
                "Properties": {
                    "ApiId": {"Ref": "Api"},
                    "StageName": "$default",
                    "AutoDeploy": True,
                },
            },
        },
        outputs={
            "Url": {"Value": {"Fn::GetAtt": ["Api", "ApiEndpoint"]}},
            "ApiId": {"Value": {"Ref": "Api"}},
        },
    )


def test_http_api_resources_are_created_updated_and_deleted(
    aws: Client, artifact: dict[str, str]
) -> None:
    cfn, gateway = aws("cloudformation"), aws("apigatewayv2")
    name, fn = unique("web"), unique("api")

    stack_id = cfn.create_stack(
        StackName=name, TemplateBody=template(artifact, fn, "GET /orders/{id}")
    )["StackId"]
    assert_status(aws, name, "CREATE_COMPLETE")
    api_id = outputs(aws, name)["ApiId"]
    api = gateway.get_api(ApiId=api_id)
    assert api["Name"] == fn
    assert api["ProtocolType"] == "HTTP"
    assert api["Tags"] == {"team": "web"}
    assert outputs(aws, name)["Url"] == api["ApiEndpoint"]
    assert api["ApiEndpoint"].startswith("http://127.0.0.1:")  # the local HTTP router

    [integration] = gateway.get_integrations(ApiId=api_id)["Items"]
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["IntegrationUri"].endswith(f":function:{fn}")
    assert integration["PayloadFormatVersion"] == "2.0"
    [route] = gateway.get_routes(ApiId=api_id)["Items"]
    assert route["RouteKey"] == "GET /orders/{id}"
    assert route["Target"] == f"integrations/{integration['IntegrationId']}"
    [stage] = gateway.get_stages(ApiId=api_id)["Items"]
    assert (stage["StageName"], stage["AutoDeploy"]) == ("$default", True)
    ids = physical_ids(aws, name)
    assert (ids["Api"], ids["Integration"], ids["Route"], ids["Stage"]) == (
        api_id,
        integration["IntegrationId"],
        route["RouteId"],
        "$default",
    )

    # A new route key updates the same route of the same API.
    cfn.update_stack(StackName=name, TemplateBody=template(artifact, fn, "ANY /files/{proxy+}"))
    assert_status(aws, name, "UPDATE_COMPLETE")
    assert outputs(aws, name)["ApiId"] == api_id
    [moved] = gateway.get_routes(ApiId=api_id)["Items"]
    assert (moved["RouteId"], moved["RouteKey"]) == (route["RouteId"], "ANY /files/{proxy+}")

    cfn.delete_stack(StackName=name)
    assert_status(aws, stack_id, "DELETE_COMPLETE")
    assert api_id not in [a["ApiId"] for a in gateway.get_apis()["Items"]]


def test_an_unknown_attribute_of_an_api_is_refused_up_front(aws: Client) -> None:
    template: dict[str, Any] = json.loads(
        body(
            {"Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Name": "x"}}},
            outputs={"Bad": {"Value": {"Fn::GetAtt": ["Api", "Nope"]}}},
        )
    )
    with pytest.raises(ClientError, match="Nope"):
        aws("cloudformation").create_stack(
            StackName=unique("bad-attr"), TemplateBody=json.dumps(template)
        )
