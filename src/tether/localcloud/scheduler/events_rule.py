"""AWS::Events::Rule updates in place: same name, same ARN, targets kept or changed to match.

moto's update deleted the rule and created it again under a new random name. Here PutRule on
the rule's own name applies the new description, pattern, role, schedule, state and tags, and
the targets become the template's (those it no longer lists are removed). A rule moved to
another event bus is a new rule, as on AWS (moto's update does that).
Hook: the model `LocalRule` (moto's `Rule`, whose update is moto's only for another bus),
registered for AWS::Events::Rule.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.events.models import Rule, events_backends

from tether.localcloud._patching import register_model


def _update_rule(
    cls: type[LocalRule],
    original_resource: Rule,
    new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> Rule:
    properties = dict(cloudformation_json.get("Properties") or {})
    bus = str(properties.get("EventBusName", "default")).split("/")[-1]
    if bus != original_resource.event_bus_name:  # another bus: a new rule, as on AWS
        moved: Rule = super(LocalRule, cls).update_from_cloudformation_json(
            original_resource, new_resource_name, cloudformation_json, account_id, region_name
        )
        return moved
    pattern = properties.get("EventPattern")
    if pattern is not None and not isinstance(pattern, str):
        pattern = json.dumps(pattern)
    # put_rule on an existing name replaces the rule's settings and keeps its targets.
    rule = events_backends[account_id][region_name].put_rule(
        original_resource.name,
        description=properties.get("Description"),
        event_bus_arn=bus,
        event_pattern=pattern,
        role_arn=properties.get("RoleArn"),
        scheduled_expression=properties.get("ScheduleExpression"),
        state=properties.get("State"),
        tags=properties.get("Tags"),
    )
    targets = list(properties.get("Targets") or [])
    wanted = {str(target["Id"]) for target in targets}
    rule.remove_targets([t["Id"] for t in rule.targets if t["Id"] not in wanted])
    rule.put_targets(targets)
    return rule


class LocalRule(Rule, CloudFormationModel):
    """AWS::Events::Rule as the local cloud's CloudFormation updates it: moto's model,
    registered in its place through moto's extension point."""

    update_from_cloudformation_json = classmethod(_update_rule)


def install() -> None:
    register_model(LocalRule)
