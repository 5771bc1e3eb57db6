def bucket_and_key(record):
    s3 = record["s3"]
    return s3["bucket"]["name"], s3["object"]["key"]
