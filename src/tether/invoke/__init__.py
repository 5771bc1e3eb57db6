"""Running deployed functions by hand: invoke them, read their logs, make sample events, and run
saved test cases. Works on both targets through the same boto3 calls."""
