"""AWS::ApiGatewayV2::Api, ::Integration, ::Route and ::Stage as CloudFormation resources.

moto implements the API Gateway v2 API but has no CloudFormation models for it, so its
CloudFormation failed on the first HTTP API. These models create, update and delete through
moto's apigatewayv2 backend, so `get_apis`, `get_integrations`, `get_routes` and `get_stages`
see what a stack made. `Ref` gives the API ID, integration ID, route ID and stage name;
`Fn::GetAtt` supports Api.ApiEndpoint and Api.ApiId, Integration.IntegrationId and
Route.RouteId. A child whose ApiId changes is re-created under the new API, as on AWS.
Not supported: importing an OpenAPI `Body` and the quick-create `Target`/`RouteKey` of an Api.
The children of an API (integration, route, stage) are declared as data (`DeclaredModel`): the
backend calls that make, change and remove each one.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any, ClassVar

from moto.apigatewayv2.exceptions import ApiNotFound
from moto.apigatewayv2.models import ApiGatewayV2Backend, Stage, apigatewayv2_backends
from moto.core.common_models import CloudFormationModel

from tether.localcloud._patching import register_model
from tether.localcloud.cloudformation._stack_model import (
    Declaration,
    DeclaredModel,
    Place,
    StackModel,
    sync_tags,
    tag_dict,
)


def _backend(account_id: str, region_name: str) -> ApiGatewayV2Backend:
    return apigatewayv2_backends[account_id][region_name]


def _backend_of(place: Place) -> ApiGatewayV2Backend:
    return _backend(place.account_id, place.region_name)


def _camel(value: Any) -> Any:
    """CloudFormation's PascalCase keys -> the API's camelCase keys, recursively."""
    if isinstance(value, dict):
        return {_lower_first(str(key)): _camel(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_camel(item) for item in value]
    return value


def _lower_first(key: str) -> str:
    return key[:1].lower() + key[1:]


def _unsupported(message: str) -> Exception:
    return ValueError("ValidationError", message)


class HttpApi(StackModel, CloudFormationModel):
    """AWS::ApiGatewayV2::Api."""

    ATTRIBUTES: ClassVar[dict[str, str]] = {"ApiEndpoint": "api_endpoint", "ApiId": "api_id"}

    def __init__(self, api_id: str, api_endpoint: str) -> None:
        self.api_id = api_id
        self.api_endpoint = api_endpoint

    @property
    def physical_resource_id(self) -> str:
        return self.api_id

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Api"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> HttpApi:
        properties = cloudformation_json.get("Properties") or {}
        for unsupported in ("Body", "BodyS3Location", "Target", "RouteKey"):
            if unsupported in properties:
                raise _unsupported(
                    f"Tether's local cloud does not support {unsupported} on "
                    "AWS::ApiGatewayV2::Api; declare routes and integrations as resources"
                )
        if not properties.get("Name"):
            raise KeyError("Name")
        api = _backend(account_id, region_name).create_api(
            api_key_selection_expression=properties.get("ApiKeySelectionExpression"),  # type: ignore[arg-type]
            cors_configuration=_camel(properties.get("CorsConfiguration")),
            description=properties.get("Description"),  # type: ignore[arg-type]
            disable_schema_validation=properties.get("DisableSchemaValidation"),  # type: ignore[arg-type]
            disable_execute_api_endpoint=properties.get("DisableExecuteApiEndpoint"),  # type: ignore[arg-type]
            name=str(properties["Name"]),
            protocol_type=str(properties.get("ProtocolType", "HTTP")),
            route_selection_expression=properties.get("RouteSelectionExpression"),  # type: ignore[arg-type]
            tags=dict(properties.get("Tags") or {}),
            version=properties.get("Version"),  # type: ignore[arg-type]
        )
        return cls(api.api_id, api.api_endpoint)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: HttpApi,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> HttpApi:
        properties = cloudformation_json.get("Properties") or {}
        backend = _backend(account_id, region_name)
        api = backend.update_api(
            api_id=original_resource.api_id,
            api_key_selection_expression=properties.get("ApiKeySelectionExpression"),  # type: ignore[arg-type]
            cors_configuration=_camel(properties.get("CorsConfiguration")),
            description=properties.get("Description"),  # type: ignore[arg-type]
            disable_schema_validation=properties.get("DisableSchemaValidation"),  # type: ignore[arg-type]
            disable_execute_api_endpoint=properties.get("DisableExecuteApiEndpoint"),  # type: ignore[arg-type]
            name=properties.get("Name"),  # type: ignore[arg-type]
            route_selection_expression=properties.get("RouteSelectionExpression"),  # type: ignore[arg-type]
            version=properties.get("Version"),  # type: ignore[arg-type]
        )
        if "CorsConfiguration" not in properties:
            api.cors_configuration = None
        sync_tags(backend, api.arn, backend.get_tags(api.arn), tag_dict(properties.get("Tags")))
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        _backend(account_id, region_name).delete_api(resource_name)

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).delete_api(self.api_id)


def _integration_arguments(properties: dict[str, Any]) -> dict[str, Any]:
    timeout = properties.get("TimeoutInMillis")
    return {
        "connection_id": properties.get("ConnectionId"),
        "connection_type": properties.get("ConnectionType"),
        "content_handling_strategy": properties.get("ContentHandlingStrategy"),
        "credentials_arn": properties.get("CredentialsArn"),
        "description": properties.get("Description"),
        "integration_method": properties.get("IntegrationMethod"),
        "integration_subtype": properties.get("IntegrationSubtype"),
        "integration_type": properties.get("IntegrationType"),
        "integration_uri": properties.get("IntegrationUri"),
        "passthrough_behavior": properties.get("PassthroughBehavior"),
        "payload_format_version": properties.get("PayloadFormatVersion"),
        "request_parameters": properties.get("RequestParameters"),
        "request_templates": properties.get("RequestTemplates"),
        "response_parameters": properties.get("ResponseParameters"),
        "template_selection_expression": properties.get("TemplateSelectionExpression"),
        "timeout_in_millis": None if timeout is None else str(timeout),
        "tls_config": _camel(properties.get("TlsConfig")),
    }


def _route_arguments(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "api_key_required": bool(properties.get("ApiKeyRequired", False)),
        "authorization_scopes": list(properties.get("AuthorizationScopes") or []),
        "authorization_type": properties.get("AuthorizationType"),
        "authorizer_id": properties.get("AuthorizerId"),
        "model_selection_expression": properties.get("ModelSelectionExpression"),
        "operation_name": properties.get("OperationName"),
        "request_models": properties.get("RequestModels"),
        "request_parameters": _camel(properties.get("RequestParameters")),
        "route_key": properties.get("RouteKey"),
        "route_response_selection_expression": properties.get("RouteResponseSelectionExpression"),
        "target": properties.get("Target"),
    }


def _stage_config(properties: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = {"stageName": str(properties["StageName"])}
    for key in (
        "AutoDeploy",
        "Description",
        "DeploymentId",
        "ClientCertificateId",
        "StageVariables",
        "Tags",
    ):
        if key in properties:
            config[_lower_first(key)] = properties[key]
    for key in ("DefaultRouteSettings", "AccessLogSettings"):
        if key in properties:
            config[_lower_first(key)] = _camel(properties[key])
    if "RouteSettings" in properties:  # keyed by route key: only the settings are camelCased
        config["routeSettings"] = {
            route: _camel(settings) for route, settings in properties["RouteSettings"].items()
        }
    return config


def _moved(resource: DeclaredModel, properties: dict[str, Any]) -> bool:
    """A child whose ApiId changes is made again under the new API, as on AWS."""
    return bool(properties.get("ApiId") != resource.place.parent)


def _create_integration(place: Place, name: str, properties: dict[str, Any]) -> Any:
    return _backend_of(place).create_integration(
        api_id=place.parent, **_integration_arguments(properties)
    )


def _update_integration(place: Place, integration_id: str, properties: dict[str, Any]) -> None:
    arguments = _integration_arguments(properties)
    timeout = arguments.pop("timeout_in_millis")
    _backend_of(place).update_integration(
        api_id=place.parent,
        integration_id=integration_id,
        timeout_in_millis=None if timeout is None else int(timeout),
        **arguments,
    )


def _create_route(place: Place, name: str, properties: dict[str, Any]) -> Any:
    return _backend_of(place).create_route(api_id=place.parent, **_route_arguments(properties))


def _update_route(place: Place, route_id: str, properties: dict[str, Any]) -> None:
    backend = _backend_of(place)
    backend.update_route(api_id=place.parent, route_id=route_id, **_route_arguments(properties))
    if "Target" not in properties:
        # moto's update keeps an old target when given none; a route without one has none.
        backend.get_route(place.parent, route_id).target = None  # type: ignore[assignment]


def _create_stage(place: Place, name: str, properties: dict[str, Any]) -> Any:
    backend = _backend_of(place)
    if properties["StageName"] in backend.get_api(place.parent).stages:
        raise ValueError("ConflictException", f"Stage {properties['StageName']} already exists")
    return backend.create_stage(place.parent, _stage_config(properties))


def _update_stage(place: Place, stage_name: str, properties: dict[str, Any]) -> None:
    api = _backend_of(place).get_api(place.parent)
    previous = api.stages[stage_name]
    # moto's Stage has no update: rebuild it from the new settings, keeping its creation date.
    stage = Stage(api, _stage_config(properties))
    stage.created = previous.created
    api.stages[stage.name] = stage


class HttpApiIntegration(DeclaredModel, CloudFormationModel):
    DECLARED = Declaration(
        "AWS::ApiGatewayV2::Integration",
        parent="ApiId",
        required=("ApiId", "IntegrationType"),
        create=_create_integration,
        physical_id=attrgetter("id"),
        update=_update_integration,
        renews=_moved,
        delete=lambda place, id_: _backend_of(place).delete_integration(place.parent, id_),
        gone=(ApiNotFound,),  # the API went first and took its children
        get_att=("IntegrationId",),
    )


class HttpApiRoute(DeclaredModel, CloudFormationModel):
    DECLARED = Declaration(
        "AWS::ApiGatewayV2::Route",
        parent="ApiId",
        required=("ApiId", "RouteKey"),
        create=_create_route,
        physical_id=attrgetter("route_id"),
        update=_update_route,
        renews=_moved,
        delete=lambda place, id_: _backend_of(place).delete_route(place.parent, id_),
        gone=(ApiNotFound,),
        get_att=("RouteId",),
    )


class HttpApiStage(DeclaredModel, CloudFormationModel):
    DECLARED = Declaration(
        "AWS::ApiGatewayV2::Stage",
        parent="ApiId",
        required=("ApiId", "StageName"),
        create=_create_stage,
        physical_id=attrgetter("name"),
        update=_update_stage,
        renews=_moved,
        delete=lambda place, name: _backend_of(place).delete_stage(place.parent, name),
        gone=(ApiNotFound,),
        name_property="StageName",  # a new StageName makes a new stage
    )


def install() -> None:
    for model in (HttpApi, HttpApiIntegration, HttpApiRoute, HttpApiStage):
        register_model(model)
