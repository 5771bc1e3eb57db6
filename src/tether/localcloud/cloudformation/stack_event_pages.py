"""DescribeStackEvents answers 100 events a page, newest first, with a NextToken, as AWS does.

moto answered every event of the stack at once, so a client that never follows NextToken (a
deploy watching a 200-resource stack) saw everything locally and would miss events on AWS.
Hook: replaces `CloudFormationResponse.describe_stack_events`.
"""

from __future__ import annotations

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult

from tether.localcloud._patching import replace

PAGE = 100  # AWS's page of stack events
_TOKEN_PREFIX = "events-after-"


def _describe_stack_events(self: CloudFormationResponse) -> ActionResult:
    stack_name = self._get_param("StackName")
    events = self.cloudformation_backend.describe_stack_events(stack_name)[::-1]
    token = self._get_param("NextToken")
    start = 0
    if token:
        offset = token.removeprefix(_TOKEN_PREFIX)
        if not token.startswith(_TOKEN_PREFIX) or not offset.isdigit():
            raise ValidationError(message=f"Invalid NextToken: {token}")
        # Events are appended, so an offset counted from the oldest stays put between pages.
        start = max(0, len(events) - int(offset))
    page = events[start : start + PAGE]
    result: dict[str, object] = {"StackEvents": page}
    if start + PAGE < len(events):
        result["NextToken"] = f"{_TOKEN_PREFIX}{len(events) - (start + PAGE)}"
    return ActionResult(result)


def install() -> None:
    replace(CloudFormationResponse, "describe_stack_events", _describe_stack_events)
