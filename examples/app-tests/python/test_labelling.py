"""Tests of the labelling app against the emulator's server mode (`npx mturk-conformance emulator`).

Plain unittest, so Debian's python runs them with nothing but boto3 installed (pytest collects
them too). From the repository root, or from a project that installed mturk-conformance:

    /usr/bin/python3 examples/app-tests/python/test_labelling.py

starts `npx mturk-conformance emulator --port 0 --accept-any-signature` for the run and stops it
after; with MTURK_ENDPOINT set, the tests use that emulator instead. Like moto, the emulator then
takes any access key, and each key is a requester of its own: every test is one, with its own
HITs and balance. Workers act, and time passes, through the emulator's control endpoint
(docs/emulator.md, "The control endpoint")."""

import json
import os
import re
import signal
import subprocess
import unittest
import urllib.error
import urllib.request
import uuid

import boto3

from labelling import approve_and_reward, publish_task, submitted_assignments

ENDPOINT = os.environ.get("MTURK_ENDPOINT", "")
ANSWER = "<QuestionFormAnswers/>"
_server = None


def setUpModule():
    """Starts an emulator for the run unless MTURK_ENDPOINT names one."""
    global ENDPOINT, _server
    if ENDPOINT:
        return
    _server = subprocess.Popen(
        ["npx", "--no-install", "mturk-conformance", "emulator", "--port", "0", "--accept-any-signature"],
        cwd=os.path.dirname(os.path.abspath(__file__)),
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: npx and the emulator stop together
    )
    for line in _server.stdout:
        found = re.search(r"listening on (http://\S+)", line)
        if found:
            ENDPOINT = found.group(1)
            return
    tearDownModule()
    raise RuntimeError("the emulator did not start (is mturk-conformance installed? npm install)")


def tearDownModule():
    global _server
    if _server is None:
        return
    if _server.poll() is None:
        os.killpg(_server.pid, signal.SIGTERM)
    _server.wait(timeout=30)
    _server.stdout.close()
    _server = None


def client():
    """A client for a new requester: a fresh access key (the secret is not checked)."""
    return boto3.client(
        "mturk",
        endpoint_url=ENDPOINT,
        region_name="us-east-1",
        aws_access_key_id="AKIDLABELLING" + uuid.uuid4().hex[:12].upper(),
        aws_secret_access_key="any-secret-will-do",
    )


def control(path, body):
    """POSTs to the control endpoint; returns (HTTP status, JSON answer)."""
    req = urllib.request.Request(
        ENDPOINT + "/_control/" + path, data=json.dumps(body).encode(), method="POST"
    )
    try:
        with urllib.request.urlopen(req) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def worker_submits(hit_id, answer=ANSWER):
    """A Worker accepts and submits an assignment of the HIT; returns its ids."""
    params = {"HITId": hit_id, "Answer": answer}
    status, ids = control("workers", {"action": "WorkerSubmitsAssignment", "params": params})
    if status != 200:
        raise AssertionError("the Worker could not submit: %s %s" % (status, ids))
    return ids


class LabellingAppTest(unittest.TestCase):
    def setUp(self):
        self.mturk = client()
        self.addCleanup(self.mturk.close)

    def balance(self):
        return float(self.mturk.get_account_balance()["AvailableBalance"])

    def status_of(self, assignment_id):
        return self.mturk.get_assignment(AssignmentId=assignment_id)["Assignment"]["AssignmentStatus"]

    def test_publish_collect_approve_and_pay(self):
        before = self.balance()
        hit_id = publish_task(self.mturk, "Cats", reward="0.10", workers=2)
        worker_submits(hit_id)
        worker_submits(hit_id)
        submitted = submitted_assignments(self.mturk, hit_id)
        self.assertEqual(len(submitted), 2)
        paid = approve_and_reward(self.mturk, submitted, "0.25")
        self.assertEqual(sorted(paid), sorted(a["WorkerId"] for a in submitted))
        for a in submitted:
            self.assertEqual(self.status_of(a["AssignmentId"]), "Approved")
        # two rewards and two bonuses
        self.assertEqual(round((before - self.balance()) * 100), 70)

    def test_a_full_hit_refuses_another_worker(self):
        hit_id = publish_task(self.mturk, "Dogs", workers=1)
        worker_submits(hit_id)
        status, body = control("workers", {"action": "WorkerSubmitsAssignment", "params": {"HITId": hit_id}})
        self.assertEqual(status, 409)
        self.assertIn("is not Assignable", body["error"])

    def test_unreviewed_work_is_approved_and_paid_when_time_passes(self):
        hit_id = publish_task(self.mturk, "Birds", reward="0.40", workers=2)
        ids = worker_submits(hit_id)
        before = self.balance()
        # the app publishes with AutoApprovalDelayInSeconds=86400
        status, clock = control("clock", {"advanceSeconds": 86400})
        self.assertEqual(status, 200)
        self.assertGreaterEqual(clock["fired"], 1)
        self.assertEqual(self.status_of(ids["AssignmentId"]), "Approved")
        self.assertEqual(round((before - self.balance()) * 100), 40)

    def test_a_hit_expires_when_its_lifetime_passes(self):
        hit_id = publish_task(self.mturk, "Fish", workers=3)
        self.assertEqual(self.mturk.get_hit(HITId=hit_id)["HIT"]["HITStatus"], "Assignable")
        # the app publishes with LifetimeInSeconds=3600
        self.assertEqual(control("clock", {"advanceSeconds": 3600})[0], 200)
        self.assertEqual(self.mturk.get_hit(HITId=hit_id)["HIT"]["HITStatus"], "Reviewable")
        status, body = control("workers", {"action": "WorkerAcceptsAssignment", "params": {"HITId": hit_id}})
        self.assertEqual(status, 409)
        self.assertIn("is not Assignable", body["error"])


if __name__ == "__main__":
    unittest.main()
