"""Basin hopping with a learned move: does the policy make a better hop than a uniform kick?

Every (method, target, seed) is one `strider search --json` call at the same budget of energy
evaluations, cached in the work folder, so a stopped run continues. Methods:
  random            plain basin hopping: every coordinate moves uniformly in [-S, S], L-BFGS relaxes
                    (S: the system's default; random-step-S: another S, --random-steps)
  policy-kick-K     a uniform kick of size K, then 15 sampled steps of the trained policy, then L-BFGS
  untrained-kick-K  the same with an untrained policy of the same architecture (the control:
                    what the learned weights add over a random network's moves)
  adaptive-lr-L     one Gaussian move around the trained policy's mean (spread S / sqrt(3), the uniform
                    move's), the policy learning on the target by REINFORCE at Adam rate L as the search
                    runs (--proposal adaptive); L = 0 is the control without learning
  untrained-adaptive-lr-L  the same starting from the untrained policy
The table gives the mean over targets and seeds of the best minimum found, and how often each
method beat plain basin hopping on the same (target, seed).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor


def run_cached(path, cmd):
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {p.stderr.strip()[-400:]}")
    d = json.loads(p.stdout.strip().splitlines()[-1])
    with open(path + ".tmp", "w") as f:
        json.dump(d, f)
    os.replace(path + ".tmp", path)
    return d


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--strider", required=True)
    ap.add_argument("--model", required=True, help="trained policy weights")
    ap.add_argument("--untrained", help="untrained policy weights of the same architecture (the control)")
    ap.add_argument("--targets", nargs="+", required=True, help="target structures (extxyz)")
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--budget", type=int, default=16000)
    ap.add_argument("--kicks", default="0.4", help="comma-separated kick sizes for the policy proposal")
    ap.add_argument("--random-steps", default="", help="comma-separated other step sizes of plain basin hopping"
                    " (the control for a policy that only changes how far a hop goes)")
    ap.add_argument("--adaptive-lrs", default="", help="comma-separated learning rates of the adaptive proposal")
    ap.add_argument("--work", required=True)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", help="write the table (Markdown) and the runs (JSON) next to this path (.md/.json)")
    ap.add_argument("--command", default=" ".join(sys.argv), help="the command line to record with the results")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    kicks = [k for k in a.kicks.split(",") if k]
    methods = {"random": []}
    for step in [x for x in a.random_steps.split(",") if x]:
        methods[f"random-step-{step}"] = ["--step", step]
    for k in kicks:
        methods[f"policy-kick-{k}"] = ["--proposal", "policy", "--model", a.model, "--step", k]
        if a.untrained:
            methods[f"untrained-kick-{k}"] = ["--proposal", "policy", "--model", a.untrained, "--step", k]
    for lr in [x for x in a.adaptive_lrs.split(",") if x]:
        methods[f"adaptive-lr-{lr}"] = ["--proposal", "adaptive", "--model", a.model, "--proposal-lr", lr]
        if a.untrained and float(lr) > 0:
            methods[f"untrained-adaptive-lr-{lr}"] = ["--proposal", "adaptive", "--model", a.untrained, "--proposal-lr", lr]
    jobs = []
    for m, opts in methods.items():
        for t in a.targets:
            name = os.path.splitext(os.path.basename(t))[0]
            for s in range(1, a.seeds + 1):
                cmd = [a.strider, "search", t, "--budget", str(a.budget), "--seed", str(s), "--json", *opts]
                jobs.append((m, name, s, os.path.join(a.work, f"{m}-{name}-s{s}-budget-{a.budget}.json"), cmd))
    with ThreadPoolExecutor(a.jobs) as pool:
        results = list(pool.map(lambda j: (j[0], j[1], j[2], run_cached(j[3], j[4])), jobs))
    energy = {(m, t, s): d["final_energy"] for m, t, s, d in results}
    lines = [f"Budget {a.budget} energy evaluations per run; {len(a.targets)} targets x {a.seeds} seeds; "
             f"L-BFGS local minimisation; policy {os.path.basename(a.model)}.", "",
             "| method | mean best minimum | std over runs | wins against random (same target, seed) | hops per run | accepted hops |",
             "| --- | --- | --- | --- | --- | --- |"]
    for m in methods:
        es = [energy[(m, t, s)] for mm, t, s, _ in results if mm == m]
        hops = statistics.mean(d["hops"] for mm, _, _, d in results if mm == m)
        accepted = statistics.mean(d["accepted"] / d["hops"] for mm, _, _, d in results if mm == m)
        wins = sum(energy[(m, t, s)] < energy[("random", t, s)] - 1e-9 for mm, t, s, _ in results if mm == m)
        lines.append(f"| {m} | {statistics.mean(es):.3f} | {statistics.stdev(es):.3f} | "
                     f"{'-' if m == 'random' else f'{wins}/{len(es)}'} | {hops:.1f} | {100 * accepted:.0f}% |")
    table = "\n".join(lines)
    print(table)
    if a.out:
        with open(a.out + ".md", "w") as f:
            f.write(table + "\n\nCommand: `" + a.command + "`\n")
        with open(a.out + ".json", "w") as f:
            json.dump([{**d, "method": m, "target": t, "seed": s, "search_method": d["method"]} for m, t, s, d in results], f, indent=1)


if __name__ == "__main__":
    main()
