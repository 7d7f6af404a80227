#!/usr/bin/python3
"""A driver for boto3 speaking the mturk-conformance driver protocol
(docs/driver-protocol.md): one JSON case per line on stdin, one JSON answer per
line on stdout, exit when stdin closes. Runs with Debian's /usr/bin/python3 and
python3-boto3. The method is botocore's snake_case name of the operation."""
import datetime
import json
import os
import sys

import boto3
from botocore.exceptions import ClientError
from botocore import xform_name


def to_json(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return value.isoformat()
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def revive_dates(value, paths):
    for path in paths or []:
        keys = path.split(".")
        node = value
        for k in keys[:-1]:
            node = node[int(k)] if isinstance(node, list) else node.get(k)
        last = keys[-1]
        if isinstance(node, list):
            last = int(last)
        if node is not None and isinstance(node[last], str):
            node[last] = datetime.datetime.fromisoformat(node[last].replace("Z", "+00:00"))
    return value


def new_client():
    return boto3.client(
        "mturk",
        endpoint_url=os.environ["MTURK_ENDPOINT"],
        region_name=os.environ.get("AWS_REGION", "us-east-1"),
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY"),
    )


# Declared on every answer: the runner then asks for a new client before each operation's checks
# ({"control": "fresh-client"}) instead of starting a new process, so nothing a client keeps across
# calls (botocore's retry quota in standard mode, its connection pool) carries over.
FEATURES = ["fresh-client"]


def main():
    client = new_client()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            message = json.loads(line)
        except ValueError:
            print("boto3_driver: not JSON: " + line[:200], file=sys.stderr)
            continue
        case_id = message.get("id")
        if "control" in message:
            if message["control"] == "fresh-client":
                try:
                    client.close()
                    client = new_client()
                    answer = {"id": case_id, "output": {}}
                except Exception as e:  # the runner then starts a new process
                    answer = {"id": case_id, "error": {"code": type(e).__name__, "message": str(e)}}
            else:
                answer = {"id": case_id, "error": {"code": "UnknownControl", "message": str(message["control"])}}
            answer["features"] = FEATURES
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()
            continue
        try:
            method = getattr(client, xform_name(message["operation"]))
            output = method(**revive_dates(message.get("input") or {}, message.get("timestamps")))
            answer = {"id": case_id, "output": to_json(output)}
        except ClientError as e:
            error = e.response.get("Error", {})
            answer = {
                "id": case_id,
                "error": {
                    "code": error.get("Code", ""),
                    "message": error.get("Message", str(e)),
                },
            }
            turk = e.response.get("TurkErrorCode")
            if turk is not None:
                answer["error"]["turkErrorCode"] = turk
        except Exception as e:  # parameter validation and the like: refused before sending
            answer = {"id": case_id, "error": {"code": type(e).__name__, "message": str(e)}}
        answer["features"] = FEATURES
        sys.stdout.write(json.dumps(answer, ensure_ascii=False) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
