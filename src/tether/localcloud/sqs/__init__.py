"""SQS in the local cloud: a stack's queues updated in full (`sqs_queue`) with URLs on the
local endpoint (`sqs_queue_url`), SQS's message size limit (`sqs_limits`), and message counts
that stay cheap (`sqs_message_counts`).

(The poller that feeds functions from a queue is `lambda_._sqs_poller`.)
"""
