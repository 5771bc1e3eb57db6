"""AWS::ApiGatewayV2::Api, ::Integration, ::Route and ::Stage as CloudFormation resources.

moto implements the API Gateway v2 API but has no CloudFormation models for it, so its
CloudFormation failed on the first HTTP API. These models create, update and delete through
moto's apigatewayv2 backend, so `get_apis`, `get_integrations`, `get_routes` and `get_stages`
see what a stack made. `Ref` gives the API ID, integration ID, route ID and stage name;
`Fn::GetAtt` supports Api.ApiEndpoint and Api.ApiId, Integration.IntegrationId and
Route.RouteId. A child whose ApiId changes is re-created under the new API, as on AWS.
Not supported: importing an OpenAPI `Body` and the quick-create `Target`/`RouteKey` of an Api.
"""

from __future__ import annotations

import contextlib
from typing import Any, ClassVar

from moto.apigatewayv2.exceptions import ApiNotFound
from moto.apigatewayv2.models import ApiGatewayV2Backend, Stage, apigatewayv2_backends
from moto.core.common_models import CloudFormationModel

from tether.localcloud.extensions._patching import register_model
from tether.localcloud.extensions._stack_model import StackModel


def _backend(account_id: str, region_name: str) -> ApiGatewayV2Backend:
    return apigatewayv2_backends[account_id][region_name]


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


class _Child(StackModel):
    """Shared parts of the resources that live inside one API.

    Not itself a CloudFormationModel: moto only finds *direct* subclasses of that class, so
    each concrete model lists both bases.
    """

    def __init__(self, api_id: str, child_id: str, account_id: str, region_name: str) -> None:
        self.api_id = api_id
        self.child_id = child_id
        self.account_id = account_id
        self.region_name = region_name

    @property
    def physical_resource_id(self) -> str:
        return self.child_id

    def _remove(self, backend: ApiGatewayV2Backend) -> None:
        raise NotImplementedError

    def delete(self, account_id: str, region_name: str) -> None:
        # If the API went first, it took its children with it.
        with contextlib.suppress(ApiNotFound):
            self._remove(_backend(account_id, region_name))


def _moved(
    model: Any,
    original_resource: _Child,
    new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> _Child | None:
    """If ApiId changed, create the child under the new API and delete the old one."""
    api_id = (cloudformation_json.get("Properties") or {}).get("ApiId")
    if api_id == original_resource.api_id:
        return None
    made: _Child = model.create_from_cloudformation_json(
        new_resource_name, cloudformation_json, account_id, region_name
    )
    original_resource.delete(account_id, region_name)
    return made


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
        tags = dict(properties.get("Tags") or {})
        stale = [key for key in backend.get_tags(api.arn) if key not in tags]
        if stale:
            backend.untag_resource(api.arn, stale)
        backend.tag_resource(api.arn, tags)
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


class HttpApiIntegration(_Child, CloudFormationModel):
    """AWS::ApiGatewayV2::Integration."""

    ATTRIBUTES: ClassVar[dict[str, str]] = {"IntegrationId": "child_id"}

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Integration"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> HttpApiIntegration:
        properties = cloudformation_json.get("Properties") or {}
        for required in ("ApiId", "IntegrationType"):
            if not properties.get(required):
                raise KeyError(required)
        api_id = str(properties["ApiId"])
        integration = _backend(account_id, region_name).create_integration(
            api_id=api_id, **_integration_arguments(properties)
        )
        return cls(api_id, integration.id, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: HttpApiIntegration,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> _Child:
        moved = _moved(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        )
        if moved is not None:
            return moved
        properties = cloudformation_json.get("Properties") or {}
        arguments = _integration_arguments(properties)
        timeout = arguments.pop("timeout_in_millis")
        _backend(account_id, region_name).update_integration(
            api_id=original_resource.api_id,
            integration_id=original_resource.child_id,
            timeout_in_millis=None if timeout is None else int(timeout),
            **arguments,
        )
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        api_id = str((cloudformation_json.get("Properties") or {}).get("ApiId", ""))
        cls(api_id, resource_name, account_id, region_name).delete(account_id, region_name)

    def _remove(self, backend: ApiGatewayV2Backend) -> None:
        backend.delete_integration(self.api_id, self.child_id)


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


class HttpApiRoute(_Child, CloudFormationModel):
    """AWS::ApiGatewayV2::Route."""

    ATTRIBUTES: ClassVar[dict[str, str]] = {"RouteId": "child_id"}

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Route"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> HttpApiRoute:
        properties = cloudformation_json.get("Properties") or {}
        for required in ("ApiId", "RouteKey"):
            if not properties.get(required):
                raise KeyError(required)
        api_id = str(properties["ApiId"])
        route = _backend(account_id, region_name).create_route(
            api_id=api_id, **_route_arguments(properties)
        )
        return cls(api_id, route.route_id, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: HttpApiRoute,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> _Child:
        moved = _moved(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        )
        if moved is not None:
            return moved
        properties = cloudformation_json.get("Properties") or {}
        backend = _backend(account_id, region_name)
        backend.update_route(
            api_id=original_resource.api_id,
            route_id=original_resource.child_id,
            **_route_arguments(properties),
        )
        if "Target" not in properties:
            # moto's update keeps an old target when given none; a route without one has none.
            backend.get_route(original_resource.api_id, original_resource.child_id).target = None  # type: ignore[assignment]
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        api_id = str((cloudformation_json.get("Properties") or {}).get("ApiId", ""))
        cls(api_id, resource_name, account_id, region_name).delete(account_id, region_name)

    def _remove(self, backend: ApiGatewayV2Backend) -> None:
        backend.delete_route(self.api_id, self.child_id)


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


class HttpApiStage(_Child, CloudFormationModel):
    """AWS::ApiGatewayV2::Stage (a new StageName makes a new stage)."""

    @staticmethod
    def cloudformation_name_type() -> str:
        return "StageName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Stage"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> HttpApiStage:
        properties = cloudformation_json.get("Properties") or {}
        for required in ("ApiId", "StageName"):
            if not properties.get(required):
                raise KeyError(required)
        api_id = str(properties["ApiId"])
        backend = _backend(account_id, region_name)
        if properties["StageName"] in backend.get_api(api_id).stages:
            raise ValueError("ConflictException", f"Stage {properties['StageName']} already exists")
        stage = backend.create_stage(api_id, _stage_config(properties))
        return cls(api_id, stage.name, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: HttpApiStage,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> _Child:
        moved = _moved(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        )
        if moved is not None:
            return moved
        properties = cloudformation_json.get("Properties") or {}
        api = _backend(account_id, region_name).get_api(original_resource.api_id)
        previous = api.stages[original_resource.child_id]
        # moto's Stage has no update: rebuild it from the new settings, keeping its creation date.
        stage = Stage(api, _stage_config(properties))
        stage.created = previous.created
        api.stages[stage.name] = stage
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        api_id = str((cloudformation_json.get("Properties") or {}).get("ApiId", ""))
        cls(api_id, resource_name, account_id, region_name).delete(account_id, region_name)

    def _remove(self, backend: ApiGatewayV2Backend) -> None:
        backend.delete_stage(self.api_id, self.child_id)


def install() -> None:
    for model in (HttpApi, HttpApiIntegration, HttpApiRoute, HttpApiStage):
        register_model(model)
