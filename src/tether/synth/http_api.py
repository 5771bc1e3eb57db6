"""HTTP APIs: an API Gateway v2 HTTP API with a $default stage, an integration per function and a
route per trigger; each route's invoke permission names its own method and path."""

from __future__ import annotations

import hashlib
import re

from tether.model import Function, HttpApi, HttpTrigger, Resource, Trigger
from tether.model.naming import pascal
from tether.synth.base import BaseFamily, invoke_permission
from tether.synth.template import Context, Json, get_att, of_resource, of_trigger, ref, sub


class HttpApiFamily(BaseFamily):
    def declare(self, ctx: Context, resource: Resource) -> None:
        assert isinstance(resource, HttpApi)
        lid = resource.logical_id
        ctx.add(
            lid,
            "AWS::ApiGatewayV2::Api",
            {
                "Name": f"{ctx.prefix()}-{resource.name}",
                "ProtocolType": "HTTP",
                "Tags": ctx.tag_map(),
            },
            owner=of_resource(resource.name),
        )
        ctx.add(
            f"{lid}Stage",
            "AWS::ApiGatewayV2::Stage",
            {"ApiId": ref(lid), "StageName": "$default", "AutoDeploy": True, "Tags": ctx.tag_map()},
            owner=of_resource(resource.name),
        )
        ctx.output(f"{lid}Url", get_att(lid, "ApiEndpoint"), f"URL of HTTP API {resource.name}")

    def wire(self, ctx: Context, function: Function, trigger: Trigger) -> None:
        assert isinstance(trigger, HttpTrigger)
        api = ctx.resource(trigger.resource).logical_id
        integration = f"{api}{function.logical_id}Integration"
        if integration not in ctx.resources:
            ctx.add(
                integration,
                "AWS::ApiGatewayV2::Integration",
                {
                    "ApiId": ref(api),
                    "IntegrationType": "AWS_PROXY",
                    "IntegrationUri": ctx.function_arn(function),
                    "PayloadFormatVersion": "2.0",
                },
                owner=of_trigger(function.name, trigger.resource),
            )
        route = _route_id(ctx, api, trigger)
        ctx.add(
            route,
            "AWS::ApiGatewayV2::Route",
            {
                "ApiId": ref(api),
                "RouteKey": trigger.route,
                "Target": sub(f"integrations/${{{integration}}}"),
            },
            owner=of_trigger(function.name, trigger.resource),
        )
        invoke_permission(
            ctx,
            function,
            f"{route}Permission",
            resource=trigger.resource,
            principal="apigateway.amazonaws.com",
            source_arn=sub(
                f"arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{api}}}/*/"
                + _source_path(trigger)
            ),
        )

    def scope_arns(self, ctx: Context, resource: Resource, scope: str) -> list[Json]:
        return []

    def env_value(self, ctx: Context, resource: Resource) -> Json:
        return get_att(resource.logical_id, "ApiEndpoint")


def _source_path(trigger: HttpTrigger) -> str:
    """`GET /orders/{id}` -> `GET/orders/*`: the method and path part of an execute-api ARN."""
    if trigger.path == "$default":
        return "$default"
    method = "*" if trigger.method == "ANY" else trigger.method
    return method + re.sub(r"\{[^}]*\}", "*", trigger.path)


def _route_id(ctx: Context, api: str, trigger: HttpTrigger) -> str:
    words = (
        "Default"
        if trigger.path == "$default"
        else pascal(trigger.method.lower() + " " + trigger.path)
    )
    logical_id = f"{api}{words or 'Root'}Route"
    if logical_id in ctx.resources:  # e.g. /a-b and /a_b; the hash keeps both stable
        logical_id = (
            f"{api}{words}{hashlib.sha256(trigger.route.encode()).hexdigest()[:6].upper()}Route"
        )
    return logical_id
