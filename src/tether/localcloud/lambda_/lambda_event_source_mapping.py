"""AWS::Lambda::EventSourceMapping: which property changes need a new mapping.

A mapping reads one source from one position: a new `EventSourceArn`, `StartingPosition` or
`StartingPositionTimestamp` makes a new mapping on AWS, and so here (the stack engine replaces
models that declare such properties, `policies.REPLACEMENT_ATTRIBUTE`; other changes go through
moto's update). The pollers that feed the mappings are `lambda_pollers`.
Hook: adds the replacement properties to `EventSourceMapping`.
"""

from __future__ import annotations

from moto.awslambda.models import EventSourceMapping

from tether.localcloud._patching import add
from tether.localcloud.cloudformation.policies import REPLACEMENT_ATTRIBUTE


def install() -> None:
    add(
        EventSourceMapping,
        REPLACEMENT_ATTRIBUTE,
        ("EventSourceArn", "StartingPosition", "StartingPositionTimestamp"),
    )
