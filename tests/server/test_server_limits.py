"""`strider serve` under hostile and careless clients: what once crashed it,
took it over, or let one client take it down (every reproducer of the robustness
report), each against a real server process on an ephemeral port.
Usage: test_server_limits.py STRIDER"""
import http.client
import pathlib
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from harness import ROOT, Server, check_error, run_tests, structure_text, tiny_train_job, validate

STRIDER = sys.argv[1]
LJ100 = ROOT / "demos" / "structures" / "lj-binary-100.xyz"
LIMITS = ["--workers", "1", "--queue-limit", "6", "--token-queue-limit", "2", "--max-body", "2000000",
          "--http-threads", "8", "--max-streams", "3"]



def raw_http(port, data, timeout=30):
    """Sends bytes on a fresh connection; (status, body text) of the answer, or (None, '') if it is closed unanswered."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the whole body was sent
        reply = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                reply += chunk
                if b"\r\n\r\n" in reply:
                    head, _, rest = reply.partition(b"\r\n\r\n")
                    length = re.search(rb"Content-Length: (\d+)", head)
                    if length and len(rest) >= int(length.group(1)):
                        break
        except (ConnectionResetError, socket.timeout):
            pass
    if not reply:
        return None, ""
    return int(reply.split(b" ", 2)[1]), reply.partition(b"\r\n\r\n")[2].decode("utf-8", "replace")


def child_pids(pid):
    return [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()]


def test_deep_json_is_400_not_a_crash(server, tmp):
    # 25 000 levels (48 KB) were a SIGSEGV in the server: a recursion per level.
    for depth in (25000, 100000):
        check_error(server, 400, "POST", "/api/jobs", raw=b"[" * depth + b"]" * depth, contains="nested deeper")
        body = b'{"command": "minimize", "options": ' + b'{"a": ' * depth + b"1" + b"}" * depth + b"}"
        check_error(server, 400, "POST", "/api/jobs", raw=body, contains="nested deeper")
    assert server.alive()
    # 32 levels are still read (and refused by the schema, not the parser).
    check_error(server, 400, "POST", "/api/jobs", raw=b"[" * 32 + b"]" * 32, contains="must be object")


def test_invalid_utf8_is_400(server, tmp):
    for raw in (b'{"command": "minimize", "structure": "\xff\xfe 1"}', b'{"comm\xc3and": 1}', b"\x80"):
        answer = check_error(server, 400, "POST", "/api/jobs", raw=raw, contains="malformed JSON")
        assert "\ufffd" in answer["error"] or "UTF-8" in answer["error"], answer


def test_chunked_bodies_have_the_same_limit(server, tmp):
    # A chunked body skipped max_body_bytes: 20-400 MB were read in full.
    chunk = b"x" * 65536
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(64)) + b"0\r\n\r\n"  # 4 MB > 2 MB
    head = b"POST /api/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    status, text = raw_http(server.port, head + body)
    assert status == 413 and "max_body_bytes" in text, (status, text)
    # A small chunked request is read as usual.
    job = b'{"command": "benchmark", "structure": "1\\n\\nA 0 0 0\\n", "options": {"repeat": 1}}'
    status, text = raw_http(server.port, head + b"%x\r\n%s\r\n0\r\n\r\n" % (len(job), job))
    assert status == 201, (status, text)
    # Anywhere else a chunked body is refused before it is read.
    head = (b"POST /api/jobs/%s/cancel HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" % (b"0" * 32))
    status, text = raw_http(server.port, head + body)
    assert status == 411 and "Content-Length" in text, (status, text)
    assert server.alive()


def test_refused_at_submission_not_failed_later(server, tmp):
    lj = structure_text(LJ100)
    train = tiny_train_job(epochs=5)
    train["generate"]["seed"] = 2 ** 63
    check_error(server, 422, "POST", "/api/jobs", train, contains="2^63", field="generate.seed")
    check_error(server, 422, "POST", "/api/jobs", {"command": "search", "structure": lj, "options": {"seed": 2 ** 63}},
                contains="2^63", field="options.seed")
    check_error(server, 400, "POST", "/api/jobs", {"command": "minimize", "structure": lj, "options": {"steps": 10}},
                contains="optimizer", field="options.optimizer")
    check_error(server, 400, "POST", "/api/jobs", {"command": "minimize", "structure": lj + lj,
                                                   "options": {"optimizer": "fire"}},
                contains="2 frames", field="structure")
    # Caps on what costs memory, disk or time.
    check_error(server, 422, "POST", "/api/jobs", {"command": "minimize", "structure": lj,
                                                   "options": {"optimizer": "fire", "steps": 10000000, "every": 1}},
                contains="max_frames", field="options.every")
    cluster = structure_text(ROOT / "tests" / "references" / "lj-cluster13.xyz")
    check_error(server, 422, "POST", "/api/jobs", {"command": "benchmark", "structure": cluster, "options": {"cutoff": 1000}},
                contains="max_cutoff", field="options.cutoff")
    check_error(server, 422, "POST", "/api/jobs", {"command": "adapt", "structure": lj, "policy": "strider-policy-weights 1",
                                                   "options": {"seeds": 1000}}, contains="max_seeds", field="options.seeds")
    train = tiny_train_job(epochs=5)
    train["options"]["batch-size"] = 100000
    check_error(server, 422, "POST", "/api/jobs", train, contains="max_batch_size", field="options.batch-size")
    status, limits, _ = server.request("GET", "/api/limits")
    assert validate(limits, "limits.schema.json")["max_frames"] == 10000 and limits["queue_limit_per_token"] == 2


def test_non_finite_energy_fails_the_job_with_a_message(server, tmp):
    created = server.submit({"command": "benchmark", "structure": "2\nsystem=lj-binary\nA 1 1 1\nB 1 1 1\n"})
    job = server.wait(created["id"])
    assert job["status"] == "failed" and "not finite" in job["error"], job
    assert "input.xyz" in job["error"] and str(tmp) not in job["error"], job  # the job's file, by its own name


def test_no_server_path_reaches_a_client(server, tmp):
    created = server.submit({"command": "minimize", "structure": structure_text(LJ100),
                             "options": {"optimizer": "fire2", "steps": 5}})
    job = server.wait(created["id"])
    assert job["status"] == "succeeded", job
    for name in ("result.json", "stderr.log"):
        status, text, _ = server.request("GET", created["url"] + "/files/" + name)
        assert status == 200 and str(tmp) not in str(text) and "/jobs/" not in str(text), (name, text)
    status, result, _ = server.request("GET", created["url"] + "/result")
    assert result["file"] == "input.xyz", result


def test_one_token_cannot_fill_the_queue(server, tmp):
    mine, other = "ab" * 16, "cd" * 16
    running = server.submit(tiny_train_job(epochs=10000, every=1000), token=mine)
    server.wait(running["id"], until=("running",))
    bench = {"command": "benchmark", "structure": structure_text(LJ100), "options": {"repeat": 1}}
    queued = [server.submit(bench, token=mine) for _ in range(2)]
    check_error(server, 429, "POST", "/api/jobs", bench, token=mine, contains="queue_limit_per_token")
    queued.append(server.submit(bench, token=other))  # another client still gets in
    # Cancelling the long job leaves nothing of what it wrote but its log.
    status, job, _ = server.request("POST", running["url"] + "/cancel", token=mine)
    assert status == 200 and job["status"] == "cancelled", job
    for created in queued:
        assert server.wait(created["id"])["status"] == "succeeded"


def test_job_processes_have_resource_limits(server, tmp):
    created = server.submit(tiny_train_job(epochs=10000, every=1000), token="ef" * 16)
    server.wait(created["id"], until=("running",), predicate=lambda j: j["stage"] == "train")
    children = child_pids(server.process.pid)
    assert children, "no job process"
    limits = pathlib.Path("/proc/%d/limits" % children[0]).read_text()
    assert re.search(r"Max data size\s+4294967296\s+4294967296", limits), limits
    assert re.search(r"Max file size\s+2147483648\s+2147483648", limits), limits
    assert re.search(r"Max cpu time\s+604800\s+604805", limits), limits
    server.request("POST", created["url"] + "/cancel", token="ef" * 16)


def test_a_long_trajectory_stops_at_the_file_size_limit(server, tmp):
    small = Server(STRIDER, pathlib.Path(tmp) / "small-files", None, ["--job-file-size", "200000"]).start()
    try:
        created = small.submit({"command": "minimize", "structure": structure_text(LJ100),
                                "options": {"optimizer": "gd", "steps": 2000, "every": 1, "fmax": 0}})
        job = small.wait(created["id"])
        assert job["status"] == "failed" and "file size limit of 200000 bytes" in job["error"], job
        trajectory = pathlib.Path(tmp) / "small-files" / "jobs" / created["id"] / "trajectory.xyz"
        assert not trajectory.exists() or trajectory.stat().st_size <= 200000
    finally:
        small.stop()


def test_event_streams_are_capped_below_the_threads(server, tmp):
    created = server.submit(tiny_train_job(epochs=10000, every=1000), token="12" * 16)
    server.wait(created["id"], until=("running",))
    streams = []
    for _ in range(3):  # --max-streams 3 of --http-threads 8
        c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        c.request("GET", created["url"] + "/events")
        r = c.getresponse()
        assert r.status == 200
        streams.append((c, r))
    got, answer, headers = server.request("GET", created["url"] + "/events")
    assert got == 503 and "max_event_streams" in answer["error"] and headers.get("Retry-After") == "5", (got, answer)
    start = time.time()
    assert server.request("GET", "/api/limits")[0] == 200 and time.time() - start < 2
    for c, _ in streams:
        c.close()
    server.request("POST", created["url"] + "/cancel", token="12" * 16)
    # Closed streams are counted off: a new one opens.
    deadline = time.time() + 20
    while server.request("GET", created["url"] + "/events")[0] == 503 and time.time() < deadline:
        time.sleep(0.2)
    assert time.time() < deadline


def test_slow_clients_do_not_hold_the_threads(server, tmp):
    # 24 clients sending their headers a byte a second (under httplib's 5 s read
    # timeout) held all 8 threads; the header deadline (--header-seconds 2 here) frees them.
    slow = Server(STRIDER, pathlib.Path(tmp) / "slow", None, ["--http-threads", "8", "--header-seconds", "2"]).start()
    stop = threading.Event()

    def trickle():
        try:
            with socket.create_connection(("127.0.0.1", slow.port), timeout=30) as s:
                for byte in b"GET /api/limits HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
                    if stop.is_set():
                        return
                    s.send(bytes([byte]))
                    time.sleep(1)
        except OSError:
            pass  # shut down by the server: what we want

    clients = [threading.Thread(target=trickle) for _ in range(24)]
    try:
        for t in clients:
            t.start()
        time.sleep(1)
        start = time.time()
        status, _, _ = slow.request("GET", "/api/limits")
        elapsed = time.time() - start
        assert status == 200 and elapsed < 12, elapsed  # 3 rounds of 8 slow clients at 2 s each, at most
    finally:
        stop.set()
        for t in clients:
            t.join()
        slow.stop()


def test_one_server_per_data_folder(server, tmp):
    # A second server on the same folder took over the first one's running train job.
    second = subprocess.run([STRIDER, "serve", "--port", "0", "--data", server.data_dir],
                            capture_output=True, text=True, timeout=30)
    assert second.returncode == 2 and "another strider serve" in second.stderr, second
    assert server.alive()


def test_sigterm_and_sigint_stop_an_idle_server_cleanly(server, tmp):
    for k, sig in enumerate([signal.SIGTERM, signal.SIGINT] * 3):
        one = Server(STRIDER, pathlib.Path(tmp) / ("idle-%d" % k)).start()
        one.request("GET", "/api/limits")
        one.process.send_signal(sig)
        assert one.process.wait(timeout=30) == 0, (sig, one.process.returncode)  # was 143: killed by the signal
        assert "stopped" in one.process.stdout.read()


def main():
    tmp = tempfile.mkdtemp(prefix="strider-server-limits-")
    server = Server(STRIDER, pathlib.Path(tmp) / "data", None, LIMITS).start()
    return run_tests([v for k, v in globals().items() if k.startswith("test_")], server, tmp)


if __name__ == "__main__":
    sys.exit(main())
