"""IAM in the local cloud: a stack's roles (`iam_role`) and managed policies
(`iam_managed_policy`) as CloudFormation makes them, and IAM's size quotas (`iam_limits`).

(Enforcing the policies on each request is the server's: `tether.localcloud.authorize`.)
"""
