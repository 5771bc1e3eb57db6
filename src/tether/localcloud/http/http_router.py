"""HTTP APIs get a local URL that works: their ApiEndpoint is the router's listener.

moto gives every API `https://<id>.execute-api.<region>.amazonaws.com`, which leads nowhere.
When the server has started the `router`, creating an HTTP API (through the API or
CloudFormation) opens its listener and sets `ApiEndpoint` to `http://127.0.0.1:<port>`, so
GetApi, `Fn::GetAtt Api.ApiEndpoint`, stack outputs and `<NAME>_URL` variables all carry it;
deleting the API closes the listener. WebSocket APIs keep moto's endpoint.
Hook: wraps `ApiGatewayV2Backend.create_api` and `delete_api`.
"""

from __future__ import annotations

from typing import Any

from moto.apigatewayv2.models import Api, ApiGatewayV2Backend

from tether.localcloud._patching import original, replace
from tether.localcloud.http import router


def _create_api(self: ApiGatewayV2Backend, *args: Any, **kwargs: Any) -> Api:
    api: Api = original(ApiGatewayV2Backend, "create_api")(self, *args, **kwargs)
    if str(api.protocol_type or "").upper() == "HTTP":
        endpoint = router.open_api(self.account_id, self.region_name, api.api_id)
        if endpoint is not None:
            api.api_endpoint = endpoint
    return api


def _delete_api(self: ApiGatewayV2Backend, api_id: str) -> None:
    original(ApiGatewayV2Backend, "delete_api")(self, api_id)
    router.close_api(self.account_id, self.region_name, api_id)


def install() -> None:
    replace(ApiGatewayV2Backend, "create_api", _create_api)
    replace(ApiGatewayV2Backend, "delete_api", _delete_api)
