"""A queue's URL in a stack (its `Ref`: outputs, the variables functions get) names the local
cloud, not AWS's host.

moto gives CloudFormation `https://sqs.<region>.amazonaws.com/<account>/<name>` for a queue, a
URL that leads to AWS: a client that uses the URL itself (an HTTP library posting to it, a tool
taking the URL's host as its endpoint) reached the real AWS, or nothing. The URL is now built
on the local cloud's own endpoint, as moto's CreateQueue and GetQueueUrl already answer, so it
works however it is used; SQS reads only the account and the name from a QueueUrl.
Hooks: replaces the property `Queue.physical_resource_id`.
"""

from __future__ import annotations

from moto.sqs.models import Queue

from tether.localcloud._patching import replace
from tether.localcloud.lambda_.lambda_runtime import local_endpoint


def _local_url(self: Queue) -> str:
    return f"{local_endpoint()}/{self.account_id}/{self.name}"


def install() -> None:
    replace(Queue, "physical_resource_id", property(_local_url))
