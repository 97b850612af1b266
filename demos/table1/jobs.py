"""Resumable jobs for the table reproductions: every finished job's result is a JSON file in the work
folder, written atomically, so a stopped run (killed, Ctrl-C, machine down) continues where it stopped.

Child processes die with this one (setpriv --pdeathsig), so a killed run leaves no strider running.
"""
import concurrent.futures as cf, datetime, hashlib, json, os, signal, subprocess, sys, time


def log(msg):
    print(f"[{datetime.datetime.now(datetime.timezone.utc):%H:%M:%S}] {msg}", flush=True)


def write_json_atomically(path, obj):
    """Write obj as JSON to path (a temporary file renamed over it: never half written)."""
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_report(folder, name, md):
    """Write folder/name.md: the lines md, then the verdict written by hand in folder/name.note.md if
    there is one; print it."""
    note = os.path.join(folder, name + ".note.md")
    if os.path.exists(note):
        with open(note) as f:
            md = md + [f.read().rstrip(), ""]
    with open(os.path.join(folder, name + ".md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))


def read_json(path):
    with open(path) as f:
        return json.load(f)


def git_head():
    """The short commit hash of the checkout these scripts are in."""
    return subprocess.run(["git", "-C", os.path.dirname(os.path.abspath(__file__)), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()


def run(cmd, ok=(0,)):
    """Run cmd (a list); returns (CompletedProcess, wall seconds). The child gets SIGTERM when this
    process dies. An exit status outside ok raises RuntimeError with the command and its stderr."""
    t0 = time.time()
    p = subprocess.run(["setpriv", "--pdeathsig", "TERM", "--", *cmd], capture_output=True, text=True)
    dt = time.time() - t0
    if p.returncode not in ok:
        raise RuntimeError(f"{' '.join(cmd)} -> exit status {p.returncode}: {p.stderr.strip()}")
    return p, dt


def last_json_line(p):
    """The JSON object strider --json printed as the last line of stdout."""
    return json.loads(p.stdout.strip().splitlines()[-1])


def cached(path, compute):
    """The result stored at path, or compute() stored there (atomically) and returned."""
    if os.path.exists(path):
        return read_json(path)
    d = compute()
    write_json_atomically(path, d)
    return d


def file_sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def check_parameters(folder, parameters, name="parameters.json"):
    """A work folder belongs to one set of parameters: record them on first use (in folder/name), refuse
    a rerun with different ones (its cached results would silently mix two protocols)."""
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    if os.path.exists(path):
        old = read_json(path)
        if old != parameters:
            diff = {k: (old.get(k), parameters.get(k)) for k in set(old) | set(parameters) if old.get(k) != parameters.get(k)}
            raise SystemExit(f"{folder} was started with other parameters (old, new): {diff}\n"
                             "Rerun with the same options to continue it, or remove the folder to start again.")
    else:
        write_json_atomically(path, parameters)


def exit_on_signals():
    """SIGTERM/SIGINT end the run at once (children follow by their death signal); finished jobs are on disk."""
    def stop(signum, _frame):
        print(f"\nstopped by signal {signum}; finished jobs are kept, rerun the same command to continue", flush=True)
        os._exit(128 + signum)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def main_or_exit(main):
    """Run main(); a failed strider call ends the run at once with its message (exit status 1): the
    finished jobs are on disk, the running ones end with this process."""
    try:
        main()
    except RuntimeError as e:
        print(f"error: {e}", file=sys.stderr, flush=True)
        sys.stdout.flush()
        os._exit(1)


def run_all(pool, fn, items, what):
    """fn(item) for every item on the pool; logs every job's end; returns the results in items' order."""
    futures = [pool.submit(fn, it) for it in items]
    done, t0 = 0, time.time()
    for f in cf.as_completed(futures):
        if f.exception():
            for g in futures:  # the jobs not yet started never start
                g.cancel()
            raise f.exception()
        done += 1
        log(f"{what}: {done}/{len(futures)} ({time.time() - t0:.0f} s)")
    return [f.result() for f in futures]
