"""S3 notifications and SNS subscriptions invoke functions as AWS does: asynchronously, with
the real event.

moto invoked the function inside the PutObject or Publish request (the caller waited for the
function, and a function writing back to its own bucket recursed in one request), and sent SNS
a placeholder event (`arn:aws:sns:EXAMPLE` topic, fixed message id, made-up attributes). Here
the invocation is queued (invocation type `Event`) and the call returns at once:

- S3: moto's `ObjectCreated:Put`-style record (bucket name and ARN, size, eTag), with the key
  URL-encoded as S3 does it (`in/my+photo.jpg`: moto also encoded the slashes), completed with
  the fields AWS adds (userIdentity, requestParameters, responseElements, bucket
  ownerIdentity, object sequencer).
- SNS: `{"Records": [{"EventSource": "aws:sns", "EventSubscriptionArn", "Sns": {"Type":
  "Notification", "MessageId", "TopicArn", "Subject", "Message", "Timestamp",
  "MessageAttributes", ...}}]}` after the subscription's filter policy matched, with the
  `lambda` entry of a `MessageStructure=json` message.

Hooks: replaces `moto.s3.notifications._invoke_awslambda` (a module function) and wraps
`moto.sns.models.Subscription.publish` for the `lambda` protocol.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from moto.awslambda.utils import get_backend
from moto.core.utils import iso_8601_datetime_with_milliseconds
from moto.s3 import notifications
from moto.sns.models import Subscription

from tether.localcloud._patching import original, replace
from tether.runtime import service


def deliver(account_id: str, function_arn: str, event: dict[str, Any]) -> None:
    """Queue an asynchronous invocation; a function that does not exist is skipped, as AWS
    drops the event (the notification points at a deleted function)."""
    region = function_arn.split(":")[3]
    try:
        function = get_backend(account_id, region).get_function(function_arn)
    except Exception:
        return
    text = json.dumps(event)
    service.current().submit(lambda: function._invoke_lambda(text))


def s3_event(event_body: dict[str, Any], account_id: str) -> dict[str, Any]:
    """moto's record, with the fields S3 adds."""
    for record in event_body.get("Records", []):
        record.setdefault("userIdentity", {"principalId": f"AWS:{account_id}"})
        record.setdefault("requestParameters", {"sourceIPAddress": "127.0.0.1"})
        record.setdefault(
            "responseElements",
            {"x-amz-request-id": uuid.uuid4().hex[:16].upper(), "x-amz-id-2": uuid.uuid4().hex},
        )
        s3 = record.get("s3", {})
        s3.get("bucket", {}).setdefault("ownerIdentity", {"principalId": account_id})
        obj = s3.get("object", {})
        if "key" in obj:  # moto encodes "/" too; S3 keeps it: "in/my+photo.jpg"
            obj["key"] = quote_plus(unquote_plus(obj["key"]), safe="/")
        obj.setdefault("sequencer", f"{time.time_ns():X}")
    return event_body


def _invoke_awslambda(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
    deliver(account_id, fn_arn, s3_event(event_body, account_id))


def sns_event(
    subscription: Subscription,
    message: str,
    message_id: str,
    subject: str | None,
    message_attributes: dict[str, Any] | None,
) -> dict[str, Any]:
    topic_arn = subscription.topic.arn
    region = topic_arn.split(":")[3]
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription.arn,
                "Sns": {
                    "Type": "Notification",
                    "MessageId": message_id,
                    "TopicArn": topic_arn,
                    "Subject": subject,
                    "Message": message,
                    "Timestamp": iso_8601_datetime_with_milliseconds(),
                    "SignatureVersion": "1",
                    "Signature": "TETHERLOCALCLOUD",
                    "SigningCertUrl": f"https://sns.{region}.amazonaws.com/tether-local.pem",
                    "UnsubscribeUrl": (
                        f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe"
                        f"&SubscriptionArn={subscription.arn}"
                    ),
                    "MessageAttributes": dict(message_attributes or {}),
                },
            }
        ]
    }


def _publish(
    self: Subscription,
    message: str,
    message_id: str,
    subject: str | None = None,
    message_attributes: dict[str, Any] | None = None,
    group_id: str | None = None,
    deduplication_id: str | None = None,
    message_structure: str | None = None,
) -> None:
    if self.protocol != "lambda":
        original(Subscription, "publish")(
            self,
            message,
            message_id,
            subject=subject,
            message_attributes=message_attributes,
            group_id=group_id,
            deduplication_id=deduplication_id,
            message_structure=message_structure,
        )
        return
    matcher = self._filter_policy_matcher
    if matcher is not None and not matcher.matches(message_attributes, message):
        return
    if message_structure == "json":
        message = self._parse_message_structure(message, self.protocol)
    event = sns_event(self, message, message_id, subject, message_attributes)
    deliver(self.account_id, self.endpoint, event)


def install() -> None:
    replace(notifications, "_invoke_awslambda", _invoke_awslambda)
    replace(Subscription, "publish", _publish)
