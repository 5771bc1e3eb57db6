"""Answers GET /notes/{id} with the note stored in the notes table."""

import json
import os

import boto3

dynamodb = boto3.client("dynamodb")


def handler(event, context):
    note_id = event["pathParameters"]["id"]
    item = dynamodb.get_item(TableName=os.environ["NOTES_TABLE"], Key={"id": {"S": note_id}}).get("Item")
    if item is None:
        return {"statusCode": 404, "body": json.dumps({"message": f"no note {note_id}"})}
    return {"statusCode": 200, "body": json.dumps({"id": note_id, "text": item.get("text", {}).get("S", "")})}
