import boto3

s3 = boto3.resource("s3")


def handler(event, context):
    name = event["Records"][0]["s3"]["bucket"]["name"]
    s3.Object(name, "k").delete()
    first = event.get("Records", [])[0]
    s3.Bucket(first.get("s3", {}).get("bucket", {}).get("name")).objects.all()
