"""SNS in the local cloud: a stack's topics updated in place (`sns_topic`), subscriptions as
CloudFormation resources (`sns_subscription`), and SNS's message size limit (`sns_limits`).

(Deliveries to functions are in `lambda_.lambda_push_events`.)
"""
