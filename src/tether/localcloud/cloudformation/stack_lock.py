"""CloudFormation API calls run one at a time, so no request sees a stack half-way through.

The server answers on several threads, and a stack operation changes many of moto's plain
dicts (stacks, events, resource maps); DescribeStacks also evaluates outputs lazily. Hook:
`CloudFormationResponse.call_action` holds the stack engine's lock (re-entrant) for the whole
request, and within it each template text is parsed once (`template_parse`). Other services
are not serialised.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.responses import CloudFormationResponse

from tether.localcloud._patching import original, replace
from tether.localcloud.cloudformation import engine, template_parse


def _call_action(self: CloudFormationResponse) -> Any:
    with engine.LOCK, template_parse.one_parse_per_request():
        return original(CloudFormationResponse, "call_action")(self)


def install() -> None:
    replace(CloudFormationResponse, "call_action", _call_action)
