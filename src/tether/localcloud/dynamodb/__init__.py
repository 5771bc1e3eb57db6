"""DynamoDB in the local cloud: a stack's tables updated in place (`dynamodb_table`), and
stand-ins of external tables that keep their stream's label (`dynamodb_stand_in`).

(The poller that feeds functions from a stream is `lambda_._stream_poller`.)
"""
