"""Crash test: kill -9 of `strider serve` in the middle of a training job, restart.
The train job resumes from its checkpoint and ends exactly as an uninterrupted run
of the CLI; the running minimize job (no checkpoint) is marked failed with the
reason; the queued job runs; no row is lost; the database passes integrity_check;
the killed server's children died with it. Then a stop by SIGTERM: the running job
is queued again and runs to the end at the next start.
Usage: test_server_crash.py STRIDER"""
import pathlib
import shutil
import sqlite3
import sys
import tempfile
import time

from harness import ROOT, Server, strider_json, structure_text, tiny_train_job

STRIDER = sys.argv[1]
LJ100 = ROOT / "demos" / "structures" / "lj-binary-100.xyz"


def rows(database):
    with sqlite3.connect(database) as db:
        return {row[0]: row[1] for row in db.execute("SELECT id, status FROM jobs")}


def children_in(folder):
    """Processes whose command line names the job folder (the jobs' strider children)."""
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if str(folder).encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def main():
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="strider-crash-test-"))
    data = tmp / "data"
    database = data / "jobs.sqlite3"
    server = Server(STRIDER, data, args=["--workers", "2"]).start()
    epochs, every = 16, 4
    train = server.submit(tiny_train_job(epochs=epochs, every=every))
    minimize = server.submit({"command": "minimize", "structure": structure_text(LJ100),
                              "options": {"optimizer": "gd", "steps": 5000000, "fmax": 0, "every": 100000}})
    queued = server.submit({"command": "benchmark", "structure": structure_text(LJ100), "options": {"repeat": 5}})
    # kill -9 once training is past its first checkpoints but far from done
    server.wait(train["id"], until=("running",), timeout=120,
                predicate=lambda j: j["stage"] == "train" and j["progress"] and 2 * every <= j["progress"]["done"] < epochs - every)
    assert server.job(minimize["id"])["status"] == "running"
    before = rows(database)
    server.kill9()
    time.sleep(0.5)
    assert children_in(data) == [], "the killed server's jobs kept running: %s" % children_in(data)
    assert before == rows(database), "rows changed after the kill"
    assert set(before) == {train["id"], minimize["id"], queued["id"]}
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    server = Server(STRIDER, data, args=["--workers", "2"]).start()
    try:
        failed = server.wait(minimize["id"], timeout=30)
        assert failed["status"] == "failed" and "server restart" in failed["error"], failed
        resumed = server.wait(train["id"], timeout=300)
        assert resumed["status"] == "succeeded" and resumed["attempts"] == 2 and "resumed" in resumed["note"], resumed
        assert server.wait(queued["id"], timeout=60)["status"] == "succeeded"
        _, result, _ = server.request("GET", train["url"] + "/result")
        assert 0 < result["resumed_from_epoch"] < epochs and result["epochs"] == epochs, result
        # the oracle: the same training run by the CLI without interruption, on the job's own dataset
        oracle = strider_json(STRIDER, "train", "--data", str(data / "jobs" / train["id"] / "data"),
                              "--out", str(tmp / "uninterrupted.weights"), "--epochs", str(epochs),
                              "--validation-every", str(every), "--seed", "1")
        assert result["validation"] == oracle["validation"], (result["validation"], oracle["validation"])
        assert rows(database).keys() == before.keys()
        # A stop by SIGTERM queues the running job again; the next start runs it to the end.
        args = ["--optimizer", "gd", "--steps", "8000", "--fmax", "0"]
        stopped = server.submit({"command": "minimize", "structure": structure_text(LJ100),
                                 "options": {"optimizer": "gd", "steps": 8000, "fmax": 0}})
        server.wait(stopped["id"], until=("running",), predicate=lambda j: j["progress"] and j["progress"]["done"] > 0)
    finally:
        server.stop()
    assert rows(database)[stopped["id"]] == "queued"
    server = Server(STRIDER, data).start()
    try:
        job = server.wait(stopped["id"], timeout=120)
        assert job["status"] == "succeeded" and "server stop" in job["note"] and job["attempts"] == 2, job
        _, minimized, _ = server.request("GET", stopped["url"] + "/result")
        assert minimized["final_energy"] == strider_json(STRIDER, "minimize", str(LJ100), *args)["final_energy"]
    finally:
        server.stop()
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    shutil.rmtree(tmp)  # kept after a failure, to look at
    print("crash test passed: train resumed from epoch %d and matches an uninterrupted run" % result["resumed_from_epoch"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
