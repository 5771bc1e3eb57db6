"""Lambda in the local cloud: functions run by Tether's runtime, fed by their event sources.

`lambda_runtime` runs every invocation on Tether's workers (`tether.runtime`); the event
sources reach it through `lambda_push_events` (S3 notifications, SNS) and `lambda_pollers`
(SQS and DynamoDB stream mappings, polled by `_sqs_poller` and `_stream_poller`);
`lambda_invoke` is how the router, the scheduler and EventBridge invoke a function;
`lambda_code` keeps functions' and layers' zips on disk by digest (not in memory, as moto
does), and `lambda_code_sweep` removes those, and the unpacked code, that nothing needs any
more.
`lambda_function`, `lambda_layer`, `lambda_permission` and `lambda_event_source_mapping` are
their CloudFormation resources, and `lambda_limits` Lambda's quotas. (`lambda_`, not `lambda`,
which is a keyword.)
"""
