#!/usr/bin/env bash
# Load benchmark of `strider serve` (not a test; `make bench`): wrk, 50 connections
# for 30 s on loopback, reading a result page (/r/ID), a result (/api/jobs/ID/result)
# and a job's status (/api/jobs/ID) while a training job runs; with HOSTILE > 0,
# also while hostile clients try to hold the server's 64 threads: HOSTILE progress
# streams (/events: the server keeps 32 at most) and HOSTILE clients sending
# their headers a byte a second (dropped at the 10 s header deadline). Prints
# wrk's p50/p99 latency and errors, then whether the training job finished with
# the same validation curve as the same training run by the CLI without load.
# Usage: tests/benchmarks/server_load.sh [STRIDER] [SECONDS] [CONNECTIONS] [HOSTILE]
set -euo pipefail
strider=$(realpath "${1:-build/strider}")
seconds=${2:-30}
connections=${3:-50}
hostile=${4:-0}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/strider-load.XXXXXX)
web="$work/web"  # the web app's page, copied: a rebuild of the site during the run must not turn into 404s
mkdir -p "$web"
cp "$root/build-wasm/site/index.html" "$web/" 2>/dev/null || echo "<!doctype html><title>strider</title>" > "$web/index.html"

"$strider" serve --port 0 --data "$work/data" --web "$web" --workers 1 > "$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$work/server.log" && break; sleep 0.1; done
port=$(sed -n 's/.*listening on http:\/\/[0-9.]*:\([0-9]*\).*/\1/p' "$work/server.log")
url="http://127.0.0.1:$port"

post() { curl -sf -X POST "$url/api/jobs" -H 'Content-Type: application/json' --data-binary @"$1"; }
field() { /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
status() { curl -sf "$url/api/jobs/$1" | field status; }

# A finished result to read: minimize the shipped structure.
/usr/bin/python3 -c "import json; print(json.dumps({'command': 'minimize', 'structure': open('$root/demos/structures/lj-binary-100.xyz').read(), 'options': {'optimizer': 'fire2', 'steps': 200}}))" > "$work/minimize.json"
result=$(post "$work/minimize.json" | field id)
until [ "$(status "$result")" = succeeded ]; do sleep 0.2; done

# The training job that runs under load.
epochs=60 every=10
echo "{\"command\": \"train\", \"generate\": {\"system\": \"lj-binary\", \"n\": 25, \"count\": 8, \"seed\": 3}, \"options\": {\"epochs\": $epochs, \"validation-every\": $every, \"seed\": 1}}" > "$work/train.json"
train=$(post "$work/train.json" | field id)
until [ "$(curl -sf "$url/api/jobs/$train" | field stage)" = train ]; do sleep 0.2; done

cat > "$work/paths.lua" <<LUA
local paths = {"/r/$result", "/api/jobs/$result/result", "/api/jobs/$train"}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
LUA
# The hostile clients, for as long as wrk runs.
for _ in $(seq "$hostile"); do curl -sN --max-time "$seconds" "$url/api/jobs/$train/events" > /dev/null 2>&1 & done
/usr/bin/python3 - "$port" "$seconds" "$hostile" <<'PY' &
import socket, sys, threading, time
port, seconds, count = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
def trickle():
    end = time.time() + seconds
    while time.time() < end:  # reconnects whenever the server drops it at the header deadline
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                while time.time() < end:
                    s.send(b"G")
                    time.sleep(1)
        except OSError:
            time.sleep(0.1)
threads = [threading.Thread(target=trickle) for _ in range(count)]
for t in threads: t.start()
for t in threads: t.join()
PY
slow_clients=$!
sleep 1
echo "wrk: $connections connections, ${seconds} s, GET /r/ID, /api/jobs/ID/result, /api/jobs/ID (status) while training runs"
[ "$hostile" = 0 ] || echo "     and $hostile progress streams and $hostile slow-header clients"
wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$work/paths.lua" "$url" > "$work/wrk.txt"
wait $slow_clients
during=$(curl -sf "$url/api/jobs/$train" | /usr/bin/python3 -c "import json,sys; j=json.load(sys.stdin); print(j['status'], j['progress'])")
p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")
p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
requests=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
rate=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.txt")
socket=$(grep -o 'Socket errors:.*' "$work/wrk.txt" || true)
echo "requests: $requests ($rate/s)   p50: $p50   p99: $p99   errors: non-2xx ${non2xx:-0}, ${socket:-socket errors: none}"
echo "training job after the load: $during"

until [[ "$(status "$train")" =~ succeeded|failed|cancelled ]]; do sleep 0.5; done
curl -sf "$url/api/jobs/$train/result" > "$work/train-result.json"
"$strider" train --data "$work/data/jobs/$train/data" --out "$work/alone.weights" --epochs $epochs \
  --validation-every $every --seed 1 --json > "$work/alone.json"
/usr/bin/python3 - "$work/train-result.json" "$work/alone.json" <<'PY'
import json, sys
served, alone = (json.load(open(p)) for p in sys.argv[1:3])
same = served["validation"] == alone["validation"]
print("training job: %s; validation curve %s the CLI run without load; %.1f s under load, %.1f s alone (ratio %.2f)"
      % ("succeeded", "identical to" if same else "DIFFERENT from", served["seconds"], alone["seconds"],
         served["seconds"] / alone["seconds"]))
sys.exit(0 if same else 1)
PY
