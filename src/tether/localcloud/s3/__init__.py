"""S3 in the local cloud: `s3_bucket`, a stack's buckets with all their properties.

(S3's notifications to functions are in `lambda_.lambda_push_events`.)
"""
