"""Names vulture reports as unused that are used where it cannot look: click commands
(registered by decorator), fields of the JSON state file, attributes moto, http.server,
uvicorn and ruamel read from our objects, and the Lambda context's public attributes, which
user code reads. `tests/unit/test_dead_code.py` runs vulture with this file; a name here must
say where it is used. Regenerate the candidates with:

    .venv/bin/vulture src/tether tests --min-confidence 60 --ignore-names "s_*,e_*,do_*,pytest_*" --make-whitelist

and keep only the ones that are really used.
"""

# ruff: noqa
_ = object()

events_new  # unused function (src/tether/cli/invoke_commands.py:184)
deployed_at  # unused variable (src/tether/deploy/state.py:47)
_.should_exit  # unused attribute (src/tether/ide/server.py:68)
_.default_flow_style  # unused attribute (src/tether/ide/testcases.py:110)
_.allow_unicode  # unused attribute (src/tether/ide/testcases.py:111)
_.sort_base_mapping_type_on_output  # unused attribute (src/tether/ide/testcases.py:112)
_.get_cfn_attribute  # unused method (src/tether/localcloud/cloudformation/_stack_model.py:44)
_.is_created  # unused method (src/tether/localcloud/cloudformation/_stack_model.py:51)
_.delete_from_cloudformation_json  # unused method (src/tether/localcloud/cloudformation/_stack_model.py:161)
_.output_map  # unused attribute (src/tether/localcloud/cloudformation/engine.py:180)
_.output_map  # unused attribute (src/tether/localcloud/cloudformation/engine.py:223)
_.output_map  # unused attribute (src/tether/localcloud/cloudformation/engine.py:260)
_.resolved_parameters  # unused attribute (src/tether/localcloud/cloudformation/engine.py:318)
_.output_map  # unused attribute (src/tether/localcloud/cloudformation/engine.py:406)
_.output_map  # unused attribute (src/tether/localcloud/cloudformation/engine.py:543)
_.billing_mode  # unused attribute (src/tether/localcloud/dynamodb/dynamodb_table.py:39)
_.sse_specification  # unused attribute (src/tether/localcloud/dynamodb/dynamodb_table.py:43)
_.deletion_protection_enabled  # unused attribute (src/tether/localcloud/dynamodb/dynamodb_table.py:44)
_.cors_configuration  # unused attribute (src/tether/localcloud/http/apigatewayv2.py:129)
_.delete_from_cloudformation_json  # unused method (src/tether/localcloud/http/apigatewayv2.py:137)
daemon_threads  # unused variable (src/tether/localcloud/http/router.py:108)
block_on_close  # unused variable (src/tether/localcloud/http/router.py:109)
request_queue_size  # unused variable (src/tether/localcloud/http/router.py:110)
_.address_family  # unused attribute (src/tether/localcloud/http/router.py:113)
_.server_name  # unused attribute (src/tether/localcloud/http/router.py:120)
protocol_version  # unused variable (src/tether/localcloud/http/router.py:124)
_.version_string  # unused method (src/tether/localcloud/http/router.py:129)
_.log_message  # unused method (src/tether/localcloud/http/router.py:132)
_.send_error  # unused method (src/tether/localcloud/http/router.py:166)
_.max_session_duration  # unused attribute (src/tether/localcloud/iam/iam_role.py:71)
_.retention_in_days  # unused attribute (src/tether/localcloud/logs/log_group.py:29)
_.kms_key_id  # unused attribute (src/tether/localcloud/logs/log_group.py:30)
_.versioning_status  # unused attribute (src/tether/localcloud/s3/s3_bucket.py:90)
_.public_access_block  # unused attribute (src/tether/localcloud/s3/s3_bucket.py:92)
request_queue_size  # unused variable (src/tether/localcloud/server.py:177)
_.headers_to_sign  # unused method (src/tether/localcloud/signatures.py:179)
_.canonical_query_string  # unused method (src/tether/localcloud/signatures.py:182)
_._get_date  # unused method (src/tether/localcloud/signatures.py:409)
_.display_name  # unused attribute (src/tether/localcloud/sns/sns_topic.py:34)
_.kms_master_key_id  # unused attribute (src/tether/localcloud/sns/sns_topic.py:35)
_.content_based_deduplication  # unused attribute (src/tether/localcloud/sns/sns_topic.py:36)
_.message_retention_period  # unused attribute (src/tether/localcloud/sqs/sqs_queue.py:35)
cognito_identity_id  # unused variable (src/tether/runtime/context.py:19)
cognito_identity_pool_id  # unused variable (src/tether/runtime/context.py:20)
_.installation_id  # unused attribute (src/tether/runtime/context.py:25)
_.app_title  # unused attribute (src/tether/runtime/context.py:26)
_.app_version_name  # unused attribute (src/tether/runtime/context.py:27)
_.app_version_code  # unused attribute (src/tether/runtime/context.py:28)
_.app_package_name  # unused attribute (src/tether/runtime/context.py:29)
_.custom  # unused attribute (src/tether/runtime/context.py:38)
_.get_remaining_time_in_millis  # unused method (src/tether/runtime/context.py:66)
converter  # unused variable (src/tether/runtime/worker.py:95)
_.process_request  # socketserver calls it per connection (src/tether/localcloud/http/router.py, server.py)
disable_nagle_algorithm  # socketserver.StreamRequestHandler reads it (router.py, server.py)
tether_replacement_properties  # the stack engine reads it by name: policies.REPLACEMENT_ATTRIBUTE (sns/sqs/dynamodb/iam models)
