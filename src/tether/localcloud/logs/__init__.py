"""CloudWatch Logs in the local cloud: a stack's log groups updated in place (`log_group`).

(Functions' logs are written by `lambda_.lambda_runtime`.)
"""
