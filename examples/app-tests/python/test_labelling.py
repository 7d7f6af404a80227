"""Tests of the labelling app against the emulator's server mode (`mturk-conformance emulator`),
pytest style: run with pytest, or with `python3 test_labelling.py` (no pytest needed).

MTURK_ENDPOINT is the emulator's URL; Workers act through its control endpoint."""

import json
import os
import sys
import urllib.request

import boto3

from labelling import approve_and_reward, publish_task, submitted_assignments

ENDPOINT = os.environ.get("MTURK_ENDPOINT", "http://127.0.0.1:7017")


def client():
    # any key will do for the emulator started with --accept-any-signature; these are its test keys
    return boto3.client(
        "mturk",
        endpoint_url=ENDPOINT,
        region_name="us-east-1",
        aws_access_key_id="AKIAMTURKCONFORMANCE1",
        aws_secret_access_key="mturk-conformance-test-secret-1",
    )


def control(path, body):
    req = urllib.request.Request(
        ENDPOINT + "/_control/" + path, data=json.dumps(body).encode(), method="POST"
    )
    try:
        with urllib.request.urlopen(req) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def worker_submits(hit_id, answer):
    status, ids = control("workers", {"action": "WorkerSubmitsAssignment", "params": {"HITId": hit_id, "Answer": answer}})
    assert status == 200, ids
    return ids


def test_publish_collect_approve_and_pay():
    mturk = client()
    before = float(mturk.get_account_balance()["AvailableBalance"])
    hit_id = publish_task(mturk, "Cats", reward="0.10", workers=2)
    worker_submits(hit_id, "<QuestionFormAnswers/>")
    worker_submits(hit_id, "<QuestionFormAnswers/>")
    submitted = submitted_assignments(mturk, hit_id)
    assert len(submitted) == 2
    paid = approve_and_reward(mturk, submitted, "0.25")
    assert sorted(paid) == sorted(a["WorkerId"] for a in submitted)
    for a in submitted:
        assert mturk.get_assignment(AssignmentId=a["AssignmentId"])["Assignment"]["AssignmentStatus"] == "Approved"
    after = float(mturk.get_account_balance()["AvailableBalance"])
    assert round((before - after) * 100) == 70


def test_a_full_hit_refuses_another_worker():
    mturk = client()
    hit_id = publish_task(mturk, "Dogs", workers=1)
    worker_submits(hit_id, "<QuestionFormAnswers/>")
    status, body = control("workers", {"action": "WorkerSubmitsAssignment", "params": {"HITId": hit_id}})
    assert status == 409
    assert "is not Assignable" in body["error"]


def test_submissions_are_approved_automatically_when_time_passes():
    mturk = client()
    hit_id = publish_task(mturk, "Birds", workers=1)
    ids = worker_submits(hit_id, "<QuestionFormAnswers/>")
    status, _ = control("clock", {"advanceSeconds": 86400})
    assert status == 200
    assert mturk.get_assignment(AssignmentId=ids["AssignmentId"])["Assignment"]["AssignmentStatus"] == "Approved"


if __name__ == "__main__":
    failed = 0
    for name, test in sorted((n, f) for n, f in globals().items() if n.startswith("test_") and callable(f)):
        try:
            test()
            print("PASS " + name)
        except Exception as e:  # a plain runner: report and go on
            failed += 1
            print("FAIL " + name + ": " + (str(e).splitlines() or [repr(e)])[0])
    sys.exit(1 if failed else 0)
