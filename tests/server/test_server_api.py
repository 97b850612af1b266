"""Every route and error path of `strider serve` (shared/api/README.md), through HTTP,
against a real server process on an ephemeral port with a temporary data folder.
Usage: test_server_api.py STRIDER"""
import hashlib
import os
import pathlib
import sqlite3
import sys
import tempfile

from harness import ROOT, Server, check_error, run_tests, strider_json, structure_text, tiny_train_job, validate

STRIDER = sys.argv[1]
LJ100 = ROOT / "demos" / "structures" / "lj-binary-100.xyz"
POLICY = ROOT / "shared" / "policy-lj-binary-100.weights"
LIMITS = ["--workers", "1", "--queue-limit", "2", "--max-atoms", "200", "--max-epochs", "10000",
          "--max-structures", "50", "--max-body", "2000000", "--max-steps", "100000"]



def test_static_files_and_traversal(server, tmp):
    status, page, _ = server.request("GET", "/")
    assert status == 200 and "strider test page" in page
    status, script, headers = server.request("GET", "/app.js")
    assert status == 200 and "console.log" in script and headers["Content-Type"] == "text/javascript"
    for path in ["/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/sub/../../secret.txt",
                 "/%2e%2e%2f%2e%2e%2fsecret.txt", "/outside-link/secret.txt", "/leak.txt", "/..\\secret.txt"]:
        status, body, _ = server.request("GET", path)
        assert status == 404 and "top secret" not in str(body), (path, status, body)


def test_minimize_job_matches_the_cli(server, tmp):
    created = server.submit({"command": "minimize", "structure": structure_text(LJ100),
                             "options": {"optimizer": "fire2", "steps": 60}})
    job = server.wait(created["id"])
    assert job["status"] == "succeeded", job
    assert set(job["files"]) >= {"structure.xyz", "trajectory.xyz", "result.json", "stderr.log"}, job["files"]
    assert job["progress"]["done"] == job["progress"]["total"] == 60 and job["progress"]["label"] == "steps"
    status, result, _ = server.request("GET", created["url"] + "/result")
    assert status == 200
    validate(result, "result.schema.json")
    oracle = strider_json(STRIDER, "minimize", str(LJ100), "--optimizer", "fire2", "--steps", "60")
    assert result["final_energy"] == oracle["final_energy"] and result["steps"] == oracle["steps"], (result, oracle)
    status, curve, _ = server.request("GET", created["url"] + "/curve")
    validate(curve, "curve.schema.json")
    energies = [row[1] for row in curve["rows"]]
    assert energies[0] == oracle["initial_energy"] and energies[-1] == oracle["final_energy"], curve["rows"][-1]
    status, xyz, headers = server.request("GET", created["url"] + "/files/structure.xyz")
    assert status == 200 and xyz.split("\n")[0].strip() == "100" and "energy=" in xyz
    check_error(server, 404, "GET", created["url"] + "/files/input.xyz", contains="no file")
    check_error(server, 404, "GET", created["url"] + "/files/..%2fjobs.sqlite3", contains="")
    # A long run keeps about 1000 trajectory frames unless asked otherwise.
    long_run = server.submit({"command": "minimize", "structure": structure_text(LJ100),
                              "options": {"optimizer": "gd", "steps": 2500, "fmax": 0}})
    assert server.wait(long_run["id"])["status"] == "succeeded"
    _, curve, _ = server.request("GET", long_run["url"] + "/curve")
    assert 800 <= len(curve["rows"]) <= 1001, len(curve["rows"])
    # The share URL opens the web app; an unknown id does not.
    status, page, _ = server.request("GET", created["share_url"])
    assert status == 200 and "strider test page" in page
    status, _, _ = server.request("GET", "/r/" + "0" * 32)
    assert status == 404


def test_train_streams_progress_then_adapt_from_it(server, tmp):
    created = server.submit(tiny_train_job(epochs=20, every=10))
    events = server.events(created["id"])
    statuses = [e["status"] for e in events]
    assert statuses[-1] == "succeeded" and "running" in statuses, statuses
    train_progress = [e["progress"]["done"] for e in events if e["stage"] == "train" and e["progress"]]
    assert train_progress == sorted(train_progress) and train_progress[-1] == 20, train_progress
    assert len(set(train_progress)) >= 3, train_progress  # streamed while it ran, not only at the end
    assert any(e["stage"] == "generate" for e in events)
    status, result, _ = server.request("GET", created["url"] + "/result")
    assert status == 200 and result["epochs"] == 20 and result["resumed_from_epoch"] == 0, result
    status, curve, _ = server.request("GET", created["url"] + "/curve")
    validate(curve, "curve.schema.json")
    assert curve["columns"][0] == "epoch" and [r[0] for r in curve["rows"]] == list(range(0, 21)), curve
    status, weights, _ = server.request("GET", created["url"] + "/files/model.weights")
    assert status == 200 and weights.startswith("strider-policy-weights")
    # adapt from that job's model, and from an inline policy file
    for source in ({"policy_job": created["id"]}, {"policy": POLICY.read_text()}):
        adapt = server.submit(dict({"command": "adapt", "structure": structure_text(LJ100),
                                    "options": {"epochs": 2, "seeds": 1}}, **source))
        job = server.wait(adapt["id"])
        assert job["status"] == "succeeded" and "model.weights" in job["files"], job
        status, curve, _ = server.request("GET", adapt["url"] + "/curve")
        assert status == 200 and len(validate(curve, "curve.schema.json")["rows"]) >= 2, curve


def test_adapt_backends_agree_and_report_each_seed(server, tmp):
    lj = structure_text(LJ100)
    # The torch backend is there exactly when strider-torch is beside strider (native-server/README.md).
    has_torch = (pathlib.Path(STRIDER).parent / "strider-torch").exists()
    _, limits, _ = server.request("GET", "/api/limits")
    assert limits["backends"] == (["engine", "torch"] if has_torch else ["engine"]), limits
    results = {}
    for backend in (None, "engine"):  # None: the server's default (torch when built with LibTorch)
        options = {"epochs": 3, "seeds": 2}
        if backend:
            options["backend"] = backend
        created = server.submit({"command": "adapt", "structure": lj, "policy": POLICY.read_text(), "options": options})
        events = server.events(created["id"])
        assert events[-1]["status"] == "succeeded", events[-1]
        used = events[-1]["request"]["options"]["backend"]  # the default is written into the stored request
        assert used == (backend or ("torch" if has_torch else "engine")), used
        seeds = [s for e in events if e["progress"] for s in e["progress"].get("seeds", [])]
        assert seeds and {s["seed"] for s in seeds} <= {0, 1} and all(1 <= s["epoch"] <= 3 for s in seeds), seeds
        _, results[backend], _ = server.request("GET", created["url"] + "/result")
    default, engine = results[None], results["engine"]
    assert default["best_seed"] == engine["best_seed"] and default["evaluations"] == engine["evaluations"]
    assert abs(default["final_energy"] - engine["final_energy"]) <= 1e-9 * abs(engine["initial_energy"])
    check_error(server, 400, "POST", "/api/jobs", {"command": "adapt", "structure": lj, "policy": POLICY.read_text(),
                                                   "options": {"backend": "gpu"}}, field="options.backend")


def test_search_and_benchmark(server, tmp):
    search = server.submit({"command": "search", "structure": structure_text(ROOT / "tests" / "references" / "lj-cluster13.xyz"),
                            "options": {"budget": 300, "seed": 2}})
    bench = server.submit({"command": "benchmark", "structure": structure_text(LJ100), "options": {"repeat": 5}})
    job = server.wait(search["id"])
    assert job["status"] == "succeeded", job
    _, result, _ = server.request("GET", search["url"] + "/result")
    assert result["final_energy"] <= result["initial_energy"]
    check_error(server, 404, "GET", search["url"] + "/curve", contains="no energy curve")
    job = server.wait(bench["id"])
    assert job["status"] == "succeeded", job
    _, result, _ = server.request("GET", bench["url"] + "/result")
    assert result["n_atoms"] == 100 and result["repeat"] == 5, result


def test_cancel_tokens_queue_list_delete(server, tmp):
    mine = "ab" * 16  # a client-chosen owner token groups jobs
    running = server.submit(tiny_train_job(epochs=10000, every=1000), token=mine)
    assert running["token"] == mine
    server.wait(running["id"], until=("running",), predicate=lambda j: j["stage"] == "train")
    queued = [server.submit({"command": "benchmark", "structure": structure_text(LJ100)}, token=mine) for _ in range(2)]
    check_error(server, 429, "POST", "/api/jobs", {"command": "benchmark", "structure": structure_text(LJ100)},
                contains="queue is full")
    # list: only this token's jobs, newest first
    check_error(server, 401, "GET", "/api/jobs", contains="Authorization")
    status, listing, _ = server.request("GET", "/api/jobs", token=mine)
    validate(listing, "job-list.schema.json")
    assert [j["id"] for j in listing["jobs"]] == [queued[1]["id"], queued[0]["id"], running["id"]], listing
    status, listing, _ = server.request("GET", "/api/jobs", token="cd" * 16)
    assert status == 200 and listing["jobs"] == []
    # the database keeps the token's SHA-256 (hashlib as the oracle), never the token itself
    with sqlite3.connect(pathlib.Path(tmp) / "data" / "jobs.sqlite3") as db:
        stored = db.execute("SELECT token_hash FROM jobs WHERE id = ?", (running["id"],)).fetchone()[0]
        assert stored == hashlib.sha256(mine.encode()).hexdigest(), stored
        assert not db.execute("SELECT count(*) FROM jobs WHERE instr(request || token_hash, ?)", (mine,)).fetchone()[0]
    # cancel: token checks, a queued job, the running child, then nothing left to cancel
    check_error(server, 401, "POST", running["url"] + "/cancel", contains="owner token")
    check_error(server, 403, "POST", running["url"] + "/cancel", token="cd" * 16, contains="not the owner")
    check_error(server, 400, "POST", "/api/jobs", {"command": "benchmark", "structure": "1\n\nA 0 0 0\n"},
                token="not-hex", contains="Authorization", field="Authorization")
    status, job, _ = server.request("POST", queued[0]["url"] + "/cancel", token=mine)
    assert status == 200 and validate(job, "job.schema.json")["status"] == "cancelled", job
    status, job, _ = server.request("POST", running["url"] + "/cancel", token=mine)
    assert status == 200 and job["status"] == "cancelled" and "cancelled" in job["error"], job
    check_error(server, 409, "POST", running["url"] + "/cancel", token=mine, contains="already finished")
    check_error(server, 409, "GET", running["url"] + "/result", contains="cancelled")
    assert server.wait(queued[1]["id"])["status"] == "succeeded"
    # delete: owner only; the job and its files are gone
    check_error(server, 403, "DELETE", running["url"], token="cd" * 16)
    status, answer, _ = server.request("DELETE", running["url"], token=mine)
    assert status == 200 and validate(answer, "deleted.schema.json")["deleted"] == running["id"]
    check_error(server, 404, "GET", running["url"], contains="no such job")
    assert not (pathlib.Path(tmp) / "data" / "jobs" / running["id"]).exists()


def test_schema_violations_refused_as_the_schema_says(server, tmp):
    """Requests python3-jsonschema finds invalid against job-request.schema.json: the
    server's own validator refuses each with 400, naming the field."""
    import jsonschema
    lj = structure_text(LJ100)
    cases = [({"command": "minimize", "structure": lj, "options": {"steps": None}}, "options.steps"),
             ({"command": "minimize", "structure": lj, "options": []}, "options"),
             ({"command": "minimize", "structure": ""}, "structure"),
             ({"structure": lj}, "command"),
             ({"command": "train", "generate": {"system": "lj", "n": 13}}, "generate.count"),
             ({"command": "train", "generate": {"system": "lj", "n": 13.5, "count": 4}}, "generate.n"),
             ({"command": "train", "generate": {"system": "lj", "n": 13, "count": 1}}, "generate.count"),
             ({"command": "train", "generate": {"system": "lj", "n": 13, "count": 4, "seed": -1}}, "generate.seed"),
             ({"command": "train", "generate": {"system": "lj", "n": 13, "count": 4, "size": 1}}, "generate.size"),
             ({"command": "train", "dataset": [lj]}, "dataset"),
             ({"command": "train", "dataset": [lj, 7]}, "dataset[1]"),
             ({"command": "adapt", "structure": lj, "policy_job": "XYZ"}, "policy_job"),
             ([1, 2], None)]  # the root: no field
    for body, field in cases:
        try:
            validate(body, "job-request.schema.json")
            raise AssertionError("python3-jsonschema accepts %r" % body)
        except jsonschema.ValidationError:
            pass
        check_error(server, 400, "POST", "/api/jobs", body, field=field)


def test_bad_requests(server, tmp):
    lj = structure_text(LJ100)
    check_error(server, 400, "POST", "/api/jobs", raw=b'{"command": "minimize",', contains="malformed JSON")
    check_error(server, 400, "POST", "/api/jobs", raw=b'{"command": "minimize", "options": {"fmax": NaN}}',
                contains="malformed JSON")
    check_error(server, 400, "POST", "/api/jobs", raw=b'{"command": "minimize", "structure": "x", "options": {"fmax": 1e999}}',
                contains="overflow")
    check_error(server, 400, "POST", "/api/jobs", {"command": "minimize", "structure": lj, "options": {"fmax": "nan"}},
                contains="finite", field="options.fmax")
    check_error(server, 400, "POST", "/api/jobs", {"command": "minimize", "structure": lj, "colour": "red"},
                contains="not a known field", field="colour")
    check_error(server, 400, "POST", "/api/jobs", {"command": "minimize", "structure": lj, "options": {"frobnicate": 1}},
                contains="unknown option --frobnicate", field="options")
    check_error(server, 400, "POST", "/api/jobs", {"command": "minimize", "structure": lj, "options": {"out": "/etc/x.xyz"}},
                contains="sets this option", field="options.out")
    check_error(server, 400, "POST", "/api/jobs", {"command": "minimize", "structure": lj, "options": {"steps": [1]}},
                contains="must be", field="options.steps")
    check_error(server, 400, "POST", "/api/jobs", {"command": "dance"}, contains="must be one of", field="command")
    check_error(server, 400, "POST", "/api/jobs", {"command": "minimize"}, contains="needs a structure", field="structure")
    check_error(server, 400, "POST", "/api/jobs", {"command": "minimize", "structure": "3\nnot xyz\n"},
                contains="unreadable structure", field="structure")
    check_error(server, 400, "POST", "/api/jobs", {"command": "minimize", "structure": lj, "options": {"system": "argon"}},
                contains="unknown system 'argon'", field="options.system")
    train = tiny_train_job(epochs=5)
    train["generate"]["system"] = "argon"
    check_error(server, 400, "POST", "/api/jobs", train, field="generate.system")
    check_error(server, 400, "POST", "/api/jobs", {"command": "adapt", "structure": lj, "policy_job": "0" * 32},
                contains="succeeded train job", field="policy_job")
    # over the configured limits
    lines = lj.split("\n")
    big = "\n".join(["300", lines[1]] + lines[2:102] * 3) + "\n"  # 300 atoms, readable (overlaps do not matter)
    check_error(server, 422, "POST", "/api/jobs", {"command": "minimize", "structure": big}, contains="max_atoms",
                field="structure")
    train = tiny_train_job(epochs=20000)
    check_error(server, 422, "POST", "/api/jobs", train, contains="max_epochs", field="options.epochs")
    train = tiny_train_job(epochs=5)
    train["generate"]["n"] = 201
    check_error(server, 422, "POST", "/api/jobs", train, contains="max_atoms", field="generate.n")
    train["generate"].update(n=25, count=51)
    check_error(server, 422, "POST", "/api/jobs", train, contains="max_structures", field="generate.count")
    check_error(server, 422, "POST", "/api/jobs", {"command": "minimize", "structure": lj, "options": {"steps": 100001}},
                contains="max_steps", field="options.steps")
    check_error(server, 413, "POST", "/api/jobs", raw=b'{"command": "minimize", "structure": "' + b"x" * 2100000 + b'"}',
                contains="over the limit")
    # unknown routes and jobs
    check_error(server, 404, "GET", "/api/nothing-here", contains="no such route")
    check_error(server, 404, "POST", "/api/jobs/" + "0" * 32 + "/frobnicate", contains="no such route")
    check_error(server, 404, "GET", "/api/jobs/" + "0" * 32, contains="no such job")
    check_error(server, 404, "GET", "/api/jobs/" + "0" * 32 + "/events", contains="no such job")
    # ... and the process stays up
    assert server.alive()
    status, limits, _ = server.request("GET", "/api/limits")
    assert status == 200 and validate(limits, "limits.schema.json")["max_atoms"] == 200


def main():
    tmp = tempfile.mkdtemp(prefix="strider-server-test-")
    web = pathlib.Path(tmp) / "web"
    (web / "sub").mkdir(parents=True)
    (web / "index.html").write_text("<!doctype html><title>strider test page</title>")
    (web / "app.js").write_text("console.log('app');")
    (pathlib.Path(tmp) / "secret.txt").write_text("top secret")
    os.symlink(pathlib.Path(tmp), web / "outside-link")
    os.symlink(pathlib.Path(tmp) / "secret.txt", web / "leak.txt")
    server = Server(STRIDER, pathlib.Path(tmp) / "data", web, LIMITS).start()
    return run_tests([v for k, v in globals().items() if k.startswith("test_")], server, tmp)


if __name__ == "__main__":
    sys.exit(main())
