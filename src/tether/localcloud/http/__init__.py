"""HTTP APIs in the local cloud: API Gateway v2's resources, and the router that serves them.

`apigatewayv2` is the CloudFormation side (the API, its integrations, routes and stages);
`http_router` opens a listener of the `router` for each HTTP API created, which reads requests
(`router_request`), picks the route (`router_match`), builds the Lambda event
(`router_event`) and makes the function's result a response (`router_response`).
"""
