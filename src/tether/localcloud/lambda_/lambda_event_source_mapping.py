"""AWS::Lambda::EventSourceMapping: which property changes need a new mapping.

A mapping reads one source from one position: a new `EventSourceArn`, `StartingPosition` or
`StartingPositionTimestamp` makes a new mapping on AWS, and so here (the stack engine replaces
models that declare such properties, `policies.REPLACEMENT_ATTRIBUTE`; other changes go through
moto's update). The pollers that feed the mappings are `lambda_pollers`.
Hook: the model `LocalEventSourceMapping` (moto's, with the replacement properties),
registered for AWS::Lambda::EventSourceMapping.
"""

from __future__ import annotations

from moto.awslambda.models import EventSourceMapping
from moto.core.common_models import CloudFormationModel

from tether.localcloud._patching import register_model


class LocalEventSourceMapping(EventSourceMapping, CloudFormationModel):
    """AWS::Lambda::EventSourceMapping as the local cloud's stack engine sees it: moto's model,
    registered in its place through moto's extension point."""

    # policies.REPLACEMENT_ATTRIBUTE
    tether_replacement_properties = (
        "EventSourceArn",
        "StartingPosition",
        "StartingPositionTimestamp",
    )


def install() -> None:
    register_model(LocalEventSourceMapping)
