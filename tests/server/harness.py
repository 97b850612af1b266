"""Starts `strider serve` on an ephemeral port with a temporary data folder and
talks to it over HTTP (urllib / http.client); validates response bodies against
shared/api/*.schema.json with python3-jsonschema (an independent validator)."""
import http.client
import json
import pathlib
import shutil
import signal
import subprocess
import time

import jsonschema

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMAS = {p.name: json.loads(p.read_text()) for p in (ROOT / "shared" / "api").glob("*.schema.json")}


def validate(body, schema_name):
    """Raises jsonschema.ValidationError when body does not conform to shared/api/<schema_name>."""
    schema = SCHEMAS[schema_name]
    resolver = jsonschema.RefResolver(base_uri=schema_name, referrer=schema, store=SCHEMAS)
    jsonschema.Draft202012Validator(schema, resolver=resolver).validate(body)
    return body


class Server:
    """One `strider serve` process; start() waits for its 'listening on' line."""

    def __init__(self, strider, data_dir, web_dir=None, args=()):
        self.strider, self.data_dir, self.web_dir, self.args = strider, str(data_dir), web_dir, list(args)
        self.process = None
        self.port = None

    def start(self):
        command = [self.strider, "serve", "--port", "0", "--data", self.data_dir]
        command += ["--web", str(self.web_dir or "/nonexistent-web-build")] + self.args
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = self.process.stdout.readline()
        if "listening on" not in line:
            raise RuntimeError("strider serve did not start: " + line + self.process.stdout.read())
        self.port = int(line.split("http://")[1].split()[0].rsplit(":", 1)[1])
        return self

    def alive(self):
        return self.process.poll() is None

    def kill9(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.alive():
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)

    def request(self, method, path, body=None, token=None, raw=None, headers=None):
        """(status, parsed JSON or text, headers). body: a JSON value; raw: bytes sent as they are."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = "Bearer " + token
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        if data is not None:
            sent["Content-Type"] = "application/json"
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        kind = response.getheader("Content-Type", "")
        connection.close()
        parsed = json.loads(text) if kind.startswith("application/json") else text
        return response.status, parsed, dict(response.getheaders())

    def submit(self, job, token=None):
        validate(job, "job-request.schema.json")  # what the client sends conforms too
        status, body, _ = self.request("POST", "/api/jobs", job, token=token)
        assert status == 201, (status, body)
        return validate(body, "job-created.schema.json")

    def job(self, job_id):
        status, body, _ = self.request("GET", "/api/jobs/" + job_id)
        assert status == 200, (status, body)
        return validate(body, "job.schema.json")

    def wait(self, job_id, until=("succeeded", "failed", "cancelled"), timeout=120, predicate=None):
        """Polls the job until its status is in `until` (and predicate(job) holds); returns it."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            job = self.job(job_id)
            if job["status"] in until and (predicate is None or predicate(job)):
                return job
            time.sleep(0.1)
        raise AssertionError("job %s still %s after %s s" % (job_id, self.job(job_id)["status"], timeout))

    def events(self, job_id, timeout=120):
        """Every job object of the SSE stream /api/jobs/ID/events, until the server ends it."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        connection.request("GET", "/api/jobs/%s/events" % job_id)
        response = connection.getresponse()
        assert response.status == 200 and response.getheader("Content-Type").startswith("text/event-stream")
        jobs, event = [], None
        for raw_line in response:
            line = raw_line.decode().rstrip("\n")
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                assert event == "job", event
                jobs.append(validate(json.loads(line[5:]), "job.schema.json"))
        connection.close()
        return jobs


def structure_text(path):
    return pathlib.Path(path).read_text()


def tiny_train_job(epochs, every=10, seed=1):
    """A train job small enough for a test: 25-atom binary LJ, 4 structures (3 train, 1 validate)."""
    return {"command": "train", "generate": {"system": "lj-binary", "n": 25, "count": 4, "seed": seed},
            "options": {"epochs": epochs, "validation-every": every, "seed": 1}}


def strider_json(strider, *args):
    """The CLI's own --json answer, run directly (the oracle the server's jobs are checked against)."""
    out = subprocess.run([strider, *args, "--json"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def check_error(server, status, method, path, body=None, raw=None, token=None, contains="", field=None):
    """Asserts an error answer: its status, error.schema.json, a piece of its message and its field."""
    got, answer, _ = server.request(method, path, body, raw=raw, token=token)
    assert got == status, (method, path, got, answer)
    validate(answer, "error.schema.json")
    assert contains.lower() in answer["error"].lower(), (contains, answer)
    if field is not None:
        assert answer.get("field") == field, (field, answer)
    return answer


def run_tests(tests, server, tmp):
    """Runs every test(server, tmp), reporting each; stops the server; removes tmp unless one failed.
    Returns the process exit status."""
    failures = 0
    try:
        for test in tests:
            start = time.time()
            try:
                test(server, tmp)
                print("ok    %-55s %.1f s" % (test.__name__, time.time() - start), flush=True)
            except Exception as e:  # report every failing test, not only the first
                failures += 1
                print("FAIL  %s: %r" % (test.__name__, e), flush=True)
    finally:
        server.stop()
    if not failures:
        shutil.rmtree(tmp)  # kept after a failure, to look at
    print("%d of %d server tests failed" % (failures, len(tests)) if failures else "all %d server tests passed" % len(tests))
    return 1 if failures else 0
