#!/usr/bin/python3
"""Rerun one column of a committed Table 1 report: FIRE with restarts at equal budget, under the restart rule
of methods.py (RESTART_STEP). Reports made before 2 Dec 2026 restarted FIRE from the target moved by basin
hopping's step, which in lj-binary and C-S-H liquids put atoms on each other, so FIRE diverged on nearly
every restart. The rest of such a report cannot be rerun (its work folder is gone), but its targets can be
generated again: this script does so, refuses unless every target's energy equals the report's, runs the
baseline with the report's budgets, FIRE variants and seeds, and updates the report in place:
  - RESULT.json: raw["fire-restarts"] and summary["fire-restarts"] replaced, the earlier summary kept under
    "fire_restarts_earlier_rule", the rerun described under "fire_restarts_rerun";
  - RESULT.md: a section appended with the earlier and the new numbers, per target.
The anytime plots keep the earlier curve (the policy's curves they also draw are gone with the work folder).
usage: rerun_fire_restarts.py RESULT.json [--strider BIN] [--work DIR] [--jobs J]
"""
import argparse, concurrent.futures as cf, datetime, json, os, subprocess, sys

import methods as M
from jobs import git_head, log, write_json_atomically
from table1 import N_ATOMS


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("result")
    ap.add_argument("--strider", default="build/strider")
    ap.add_argument("--work", default=None, help="where targets and runs are kept (default: /tmp/rerun-<report name>)")
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    name = os.path.splitext(os.path.basename(a.result))[0]
    work = a.work or f"/tmp/rerun-{name}"
    rep = json.load(open(a.result))
    system, stems, budgets = rep["system"], rep["targets"], rep["budget_per_target"]
    if "fire_restarts_rerun" in rep:
        sys.exit(f"{a.result}: its FIRE with restarts was rerun already ({rep['fire_restarts_rerun']['date_utc']}); nothing changed")

    # the report's targets, generated again and checked against its initial energies
    tdir = os.path.join(work, "targets")
    if not os.path.exists(os.path.join(tdir, "manifest.json")):
        subprocess.run([a.strider, "generate", "--system", system, "--n", str(N_ATOMS[system]), "--count", str(len(stems)),
                        "--seed", "2", "--out", tdir, "--json"], check=True, capture_output=True)
    targets = [os.path.join(tdir, s + ".xyz") for s in stems]
    for tg, e0 in zip(targets, rep["initial_energies"]):
        e = json.loads(subprocess.run([a.strider, "energy", tg, "--json"], check=True, capture_output=True, text=True).stdout)["energy"]
        if abs(e - e0) > 1e-9 * abs(e0):
            sys.exit(f"{tg}: energy {e!r}, the report's target {e0!r}: this build generates other targets; nothing changed")

    def job(i):  # as table1.py: the same budget, FIRE variant and seed
        fire = M.fire_options(rep["raw"]["fire"][stems[i]])
        return M.fire_restarts(a.strider, system, targets[i], budgets[i], fire, M.restart_seed(i), os.path.join(work, "fire-restarts"))
    with cf.ThreadPoolExecutor(a.jobs) as pool:
        new = list(pool.map(job, range(len(stems))))
    log(f"{name}: {len(new)} targets rerun")

    old_raw, old_summary = rep["raw"]["fire-restarts"], rep["summary"]["fire-restarts"]
    old_diverged, old_restarts = M.restart_counts(old_raw[s] for s in stems)
    rep["fire_restarts_earlier_rule"] = dict(old_summary, restart_step="basin hopping's step",
                                             diverged_runs=old_diverged, restarts=old_restarts)
    rep["raw"]["fire-restarts"] = dict(zip(stems, new))
    rep["summary"]["fire-restarts"] = M.summarize(new)
    rerun = {"command": "demos/table1/rerun_fire_restarts.py " + " ".join(sys.argv[1:]), "commit": git_head(),
             "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
             "restart_step": M.RESTART_STEP[system]}
    rerun["diverged_runs"], rerun["restarts"] = M.restart_counts(new)
    rep["fire_restarts_rerun"] = rerun
    write_json_atomically(a.result, rep)

    earlier, now = rep["fire_restarts_earlier_rule"], rep["summary"]["fire-restarts"]
    fmt = lambda v: "—" if v is None else f"{v:.2f}"
    md = ["", "## FIRE with restarts, rerun", "",
          f"The column \"FIRE with restarts\" above was made by an earlier rule: FIRE restarted from the target moved by basin "
          f"hopping's step; {earlier['diverged_runs']} of {earlier['restarts']} runs diverged. Rerun on {rerun['date_utc']} "
          f"(commit {rerun['commit']}, `{rerun['command']}`) on the same targets (generated again, energies checked), budgets, "
          f"FIRE variants and seeds, restarting from the target moved by ±{rerun['restart_step']}: "
          f"{rerun['diverged_runs']} of {rerun['restarts']} runs diverged. The JSON holds the rerun; the anytime plot still draws the earlier curve.", "",
          "| | min | mean |", "| --- | --- | --- |",
          f"| earlier rule | {fmt(earlier['min'])} | {fmt(earlier['mean'])} |",
          f"| rerun | {fmt(now['min'])} | {fmt(now['mean'])} |", "",
          "| target | budget | earlier rule | rerun | runs diverged (rerun) |", "| --- | --- | --- | --- | --- |"]
    md += [f"| {s} | {b} | {fmt(old_raw[s].get('final_energy'))} | {fmt(d['final_energy'])} | {d['diverged_runs']}/{d['restarts']} |"
           for s, b, d in zip(stems, budgets, new)]
    with open(os.path.splitext(a.result)[0] + ".md", "a") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
