#!/usr/bin/env python3
"""Reproduce the paper's Table 1 (StriderNET vs GD, Adam, FIRE, ...) on strider-generated data.

Called by run.sh; see run.sh --help. Writes results/<system>-<scale>.{json,md} and SVG plots.
Only the standard library and the `strider` binary are needed.
"""
import argparse, concurrent.futures as cf, csv, datetime, json, os, platform, random, shutil, subprocess, sys, time

SCALES = {
    # full: the paper's protocol (SPEC section 4). The paper does not state the number of training
    # epochs for LJ-100; 1000 is our choice (validation every 20 epochs as in the paper).
    "full":  dict(train_epochs=1000, validation_every=20, targets=10, adapt_epochs=1000, adapt_seeds=10),
    "small": dict(train_epochs=100, validation_every=10, targets=5, adapt_epochs=100, adapt_seeds=2),
    "tiny":  dict(train_epochs=4, validation_every=2, targets=2, adapt_epochs=5, adapt_seeds=1),
}
N_ATOMS = {"lj-binary": 100, "sw-si": 64, "csh": 152}
UNITS = {"lj-binary": "epsilon", "sw-si": "eV", "csh": "kcal/mol"}
# SPEC section 5 (paper Table 1): (min, mean) over 10 structures.
PAPER = {
    "lj-binary": {"gd": (-799.53, -795.38), "fire": (-813.66, -806.29), "adam": (-808.62, -801.96), "policy": (-815.63, -811.99)},
    "csh": {"gd": (-1583539.3, -1548798.6), "fire": (-1637194.1, -1588792.4), "adam": (-1622905.9, -1596680.4), "policy": (-1671916.8, -1648965.9)},
    "sw-si": {"gd": (-249.22, -247.56), "fire": (-256.98, -256.37), "adam": (-258.86, -256.93), "policy": (-259.94, -257.35)},
}
# FIRE variant that does not diverge on liquid lj-binary / csh (strider minimize --help).
FIRE_SAFE_DT_MAX = "0.02"
RESTART_STEP = {"lj-binary": 0.4, "sw-si": 0.4, "csh": 10.0}  # same as basin hopping's default step

def log(msg):
    print(f"[{datetime.datetime.utcnow():%H:%M:%S}] {msg}", flush=True)

def run(cmd, allow_rc=(0,)):
    t0 = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.time() - t0
    if p.returncode not in allow_rc:
        raise RuntimeError(f"{' '.join(cmd)} -> rc {p.returncode}: {p.stderr.strip()}")
    return p, dt

def jrun(cmd):
    p, dt = run(cmd)
    d = json.loads(p.stdout.strip().splitlines()[-1])
    d["wall_seconds"] = dt
    return d

def read_xyz(path):
    with open(path) as f:
        lines = f.read().splitlines()
    n = int(lines[0]); return n, lines[1], lines[2:2 + n]

def perturb(src, dst, step, rng):
    n, header, atoms = read_xyz(src)
    out = []
    for line in atoms:
        t = line.split()
        xyz = [float(v) + rng.uniform(-step, step) for v in t[1:4]]
        out.append(f"{t[0]} {xyz[0]:.12f} {xyz[1]:.12f} {xyz[2]:.12f}")
    # the header's energy= is stale after the move; strider recomputes the energy anyway
    with open(dst, "w") as f:
        f.write(f"{n}\n{header}\n" + "\n".join(out) + "\n")

def svg_plot(path, series, title, xlabel, ylabel, ymax=None):
    """series: list of (label, xs, ys). Hand-written SVG polylines (no matplotlib needed).
    ymax: values above it are drawn at ymax (the legend says so)."""
    from html import escape
    title, xlabel, ylabel = escape(title), escape(xlabel), escape(ylabel)
    if ymax is not None:
        series = [(l + (f" (clipped at {ymax:g})" if any(y > ymax for y in ys) else ""), xs, [min(y, ymax) for y in ys])
                  for l, xs, ys in series]
    series = [(escape(l), xs, ys) for l, xs, ys in series]
    W, H, L, R, T, B = 720, 440, 80, 170, 40, 50
    pts = [(x, y) for _, xs, ys in series for x, y in zip(xs, ys)]
    if not pts:
        return
    x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
    y0, y1 = min(p[1] for p in pts), max(p[1] for p in pts)
    if x1 == x0: x1 = x0 + 1
    if y1 == y0: y1 = y0 + 1
    sx = lambda x: L + (x - x0) / (x1 - x0) * (W - L - R)
    sy = lambda y: H - B - (y - y0) / (y1 - y0) * (H - T - B)
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
         f'<rect width="{W}" height="{H}" fill="white"/>',
         f'<text x="{W/2}" y="20" text-anchor="middle" font-size="14">{title}</text>',
         f'<line x1="{L}" y1="{H-B}" x2="{W-R}" y2="{H-B}" stroke="black"/>',
         f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H-B}" stroke="black"/>',
         f'<text x="{(L+W-R)/2}" y="{H-12}" text-anchor="middle">{xlabel}</text>',
         f'<text x="16" y="{(T+H-B)/2}" text-anchor="middle" transform="rotate(-90 16 {(T+H-B)/2})">{ylabel}</text>']
    for k in range(5):
        xv = x0 + (x1 - x0) * k / 4; yv = y0 + (y1 - y0) * k / 4
        s.append(f'<text x="{sx(xv)}" y="{H-B+16}" text-anchor="middle">{xv:.4g}</text>')
        s.append(f'<text x="{L-6}" y="{sy(yv)+4}" text-anchor="end">{yv:.5g}</text>')
        s.append(f'<line x1="{L}" y1="{sy(yv)}" x2="{W-R}" y2="{sy(yv)}" stroke="#ddd"/>')
    for i, (label, xs, ys) in enumerate(series):
        c = colors[i % len(colors)]
        s.append(f'<polyline fill="none" stroke="{c}" stroke-width="1.5" points="' +
                 " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in zip(xs, ys)) + '"/>')
        if len(xs) == 1:
            s.append(f'<circle cx="{sx(xs[0]):.1f}" cy="{sy(ys[0]):.1f}" r="3" fill="{c}"/>')
        s.append(f'<line x1="{W-R+10}" y1="{T+16*i}" x2="{W-R+30}" y2="{T+16*i}" stroke="{c}" stroke-width="2"/>')
        s.append(f'<text x="{W-R+34}" y="{T+16*i+4}">{label}</text>')
    s.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(s) + "\n")

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strider", required=True)
    ap.add_argument("--system", default="lj-binary")
    ap.add_argument("--scale", default="small", choices=SCALES)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--work", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--command", default="")
    ap.add_argument("--note", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "{tag}.note.md"))
    for k in SCALES["full"]:
        ap.add_argument("--" + k.replace("_", "-"), type=int)
    a = ap.parse_args()
    S, sysk = a.strider, a.system
    P = dict(SCALES[a.scale])
    for k in P:
        v = getattr(a, k)
        if v is not None: P[k] = v
    os.makedirs(a.work, exist_ok=True); os.makedirs(a.results, exist_ok=True)
    tag = f"{sysk}-{a.scale}"
    a.note = a.note.replace("{tag}", tag)
    timings = {}
    pool = cf.ThreadPoolExecutor(a.jobs)
    T0 = time.time()

    # 1. data: 100 training/validation structures (seed 1), held-out targets (seed 2)
    cached = {}
    t = time.time()
    data, tdir = os.path.join(a.work, "data"), os.path.join(a.work, "targets")
    gen = lambda out, count, seed: (out if os.path.exists(os.path.join(out, "manifest.json")) else
        jrun([S, "generate", "--system", sysk, "--n", str(N_ATOMS[sysk]), "--count", str(count), "--seed", str(seed), "--out", out, "--json"]))
    cached["generate"] = all(os.path.exists(os.path.join(d, "manifest.json")) for d in (data, tdir))
    list(pool.map(lambda x: gen(*x), [(data, 100, 1), (tdir, P["targets"], 2)]))
    targets = sorted(os.path.join(tdir, f) for f in os.listdir(tdir) if f.endswith(".xyz"))[:P["targets"]]
    timings["generate"] = time.time() - t; log(f"data ready ({timings['generate']:.1f} s)")

    # 2. train one policy per estimator
    t = time.time()
    def train(est):
        model = os.path.join(a.work, f"policy-{est}.bin")
        cache = model + ".json"
        if os.path.exists(cache):
            return est, model, json.load(open(cache))
        d = jrun([S, "train", "--system", sysk, "--data", data, "--out", model, "--estimator", est,
                  "--epochs", str(P["train_epochs"]), "--validation-every", str(P["validation_every"]),
                  "--seed", "1", "--log", model + ".csv", "--json"])
        json.dump(d, open(cache, "w"))
        return est, model, d
    cached["train"] = all(os.path.exists(os.path.join(a.work, f"policy-{e}.bin.json")) for e in ["pathwise", "reinforce"])
    trained = {est: (m, d) for est, m, d in pool.map(train, ["pathwise", "reinforce"])}
    timings["train"] = time.time() - t; log(f"trained ({timings['train']:.1f} s)")

    # 3. classical local optimisers, paper presets and steps
    t = time.time()
    classical = [("gd", ["--optimizer", "gd"]), ("adam", ["--optimizer", "adam"]),
                 ("fire", ["--optimizer", "fire"]), (f"fire-dtmax{FIRE_SAFE_DT_MAX}", ["--optimizer", "fire", "--set", f"dt_max={FIRE_SAFE_DT_MAX}"]),
                 ("fire2", ["--optimizer", "fire2"]), ("lbfgs", ["--optimizer", "lbfgs"])]
    def minimize(job):
        name, opts, tgt = job
        p, dt = run([S, "minimize", tgt, "--system", sysk, *opts, "--json"], allow_rc=(0, 3))
        if p.returncode == 3:
            return name, tgt, {"diverged": True, "error": p.stderr.strip(), "wall_seconds": dt}
        d = json.loads(p.stdout.strip().splitlines()[-1]); d["wall_seconds"] = dt; d["diverged"] = False
        return name, tgt, d
    per = {}  # method -> target -> result
    for name, tgt, d in pool.map(minimize, [(n, o, tg) for n, o in classical for tg in targets]):
        per.setdefault(name, {})[tgt] = d
    timings["classical"] = time.time() - t; log(f"classical done ({timings['classical']:.1f} s)")

    # 4. adaptation of each trained policy to each target
    t = time.time()
    def adapt(job):
        est, tgt = job
        model = trained[est][0]
        base = os.path.join(a.work, f"adapt-{est}-{os.path.basename(tgt)[:-4]}")
        if os.path.exists(base + ".json"):
            return est, tgt, json.load(open(base + ".json"))
        cmd = [S, "adapt", model, tgt, "--estimator", est, "--epochs", str(P["adapt_epochs"])]
        p, dt = run(cmd + ["--seeds", str(P["adapt_seeds"]), "--seed", "1", "--curve", base + ".csv",
                           "--out", base + ".xyz", "--json"], allow_rc=(0, 1, 2, 3))
        if p.returncode == 0:
            d = json.loads(p.stdout.strip().splitlines()[-1]); d["wall_seconds"] = dt; d["curve_file"] = base + ".csv"
        else:
            # strider adapt aborted (e.g. "atom 1 has a non-finite coordinate"): run the seeds one at a
            # time (--seeds 1 --seed s) and keep those that finish; failed seeds' evaluations are unknown.
            err = p.stderr.strip(); runs, fails = [], []
            for k in range(1, P["adapt_seeds"] + 1):
                q, dq = run(cmd + ["--seeds", "1", "--seed", str(k), "--curve", f"{base}-s{k}.csv", "--json"], allow_rc=(0, 1, 2, 3))
                if q.returncode == 0:
                    r = json.loads(q.stdout.strip().splitlines()[-1]); r["seed"] = k; r["curve_file"] = f"{base}-s{k}.csv"; runs.append(r)
                else:
                    fails.append({"seed": k, "rc": q.returncode, "error": q.stderr.strip()})
            d = {"aborted_all_seeds_call": err, "failed_seeds": fails, "wall_seconds": dt}
            if runs:
                b = min(runs, key=lambda r: r["final_energy"])
                d.update(final_energy=b["final_energy"], initial_energy=b["initial_energy"], best_seed=0,
                         evaluations=sum(r["evaluations"] for r in runs), curve_file=b["curve_file"], seed_runs=runs)
            else:
                d.update(failed=True, final_energy=None, evaluations=None)
        json.dump(d, open(base + ".json", "w"))
        return est, tgt, d
    cached["adapt"] = all(os.path.exists(os.path.join(a.work, f"adapt-{e}-{os.path.basename(tg)[:-4]}.json"))
                          for e in ["pathwise", "reinforce"] for tg in targets)
    for est, tgt, d in pool.map(adapt, [(e, tg) for e in ["pathwise", "reinforce"] for tg in targets]):
        per.setdefault(f"policy-{est}", {})[tgt] = d
    timings["adapt"] = time.time() - t; log(f"adaptation done ({timings['adapt']:.1f} s)")

    # 5. equal-budget global baselines: basin hopping and FIRE with random restarts
    t = time.time()
    budget = {tg: max(per[m][tg]["evaluations"] or 0 for m in ["policy-pathwise", "policy-reinforce"]) for tg in targets}
    def bh(tg):
        d = jrun([S, "search", tg, "--system", sysk, "--method", "basin-hopping", "--budget", str(budget[tg]), "--seed", "1", "--json"])
        return tg, d
    for tg, d in pool.map(bh, targets):
        per.setdefault("basin-hopping", {})[tg] = d
    def restarts(tg):
        rng = random.Random(12345 + targets.index(tg))
        left, best, runs, k, div = budget[tg], None, [], 0, 0
        while left > 1:
            start = tg
            if k > 0:
                start = os.path.join(a.work, f"restart-{os.path.basename(tg)[:-4]}.xyz")
                perturb(tg, start, RESTART_STEP[sysk], rng)
            steps = min(1000 if sysk != "csh" else 2000, left - 1)
            p, dt = run([S, "minimize", start, "--system", sysk, "--optimizer", "fire", "--set", f"dt_max={FIRE_SAFE_DT_MAX}",
                         "--steps", str(steps), "--json"], allow_rc=(0, 3))
            if p.returncode == 3:
                div += 1; left -= steps + 1; k += 1; continue   # charged as the full run
            d = json.loads(p.stdout.strip().splitlines()[-1])
            left -= d["evaluations"]; runs.append(d["final_energy"]); k += 1
            best = d["final_energy"] if best is None else min(best, d["final_energy"])
        return tg, {"final_energy": best, "evaluations": budget[tg] - left, "restarts": k, "run_energies": runs, "diverged_runs": div}
    for tg, d in pool.map(restarts, targets):
        per.setdefault(f"fire-dtmax{FIRE_SAFE_DT_MAX}-restarts", {})[tg] = d
    timings["equal_budget"] = time.time() - t; log(f"equal-budget baselines done ({timings['equal_budget']:.1f} s)")
    timings["total"] = time.time() - T0
    # phases served entirely from the work folder's cache keep the wall time of the run that computed them
    tfile = os.path.join(a.work, "timings.json")
    old = json.load(open(tfile)) if os.path.exists(tfile) else {}
    for k in ["generate", "train", "adapt"]:
        if cached.get(k) and k in old:
            timings["total"] += old[k] - timings[k]; timings[k] = old[k]
    json.dump(timings, open(tfile, "w"))

    # 6. summary
    order = ["gd", "adam", "fire", f"fire-dtmax{FIRE_SAFE_DT_MAX}", "fire2", "lbfgs", "policy-pathwise", "policy-reinforce",
             "basin-hopping", f"fire-dtmax{FIRE_SAFE_DT_MAX}-restarts"]
    summary = {}
    for m in order:
        rs = [per[m][tg] for tg in targets]
        ok = [r for r in rs if not r.get("diverged") and r.get("final_energy") is not None]
        es = [r["final_energy"] for r in ok]
        summary[m] = {"min": min(es) if es else None, "mean": sum(es) / len(es) if es else None,
                      "diverged": len(rs) - len(ok), "targets": len(rs),
                      "mean_evaluations": sum(r.get("evaluations", 0) for r in ok) / len(ok) if ok else None,
                      "per_target": [r.get("final_energy") for r in rs]}
    init = [per["gd"][tg]["initial_energy"] for tg in targets]
    out = {"system": sysk, "scale": a.scale, "parameters": P, "command": a.command,
           "date_utc": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
           "machine": f"{platform.node()} ({os.cpu_count()} cores, shared), {platform.machine()}",
           "strider_version": run([S, "--version"])[0].stdout.strip(),
           "strider_binary": os.path.abspath(S),
           "git_head_at_run": subprocess.run(["git", "-C", os.path.dirname(os.path.abspath(__file__)), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip(),
           "data": {"train_validation": "strider generate seed 1, 100 structures (first 75 train, last 25 validate)",
                    "targets": f"strider generate seed 2, first {len(targets)} structures"},
           "targets": [os.path.basename(t) for t in targets], "initial_energies": init,
           "budget_per_target": [budget[tg] for tg in targets],
           "timings_seconds": timings, "summary": summary,
           "training": {e: trained[e][1] for e in trained},
           "raw": {m: {os.path.basename(tg): per[m][tg] for tg in targets} for m in order}}
    with open(os.path.join(a.results, tag + ".json"), "w") as f:
        json.dump(out, f, indent=1)

    # plots
    vs = []
    for e in ["pathwise", "reinforce"]:
        xs, ys = [], []
        with open(trained[e][0] + ".csv") as f:
            for r in csv.DictReader(f):
                if r["validation_energy_change"]:
                    xs.append(int(r["epoch"])); ys.append(float(r["validation_energy_change"]))
        vs.append((e, xs, ys))
    fv = trained["pathwise"][1].get("fire_validation_energy_change")
    if fv is not None and vs[0][1]:
        vs.append(("FIRE (20 steps)", [vs[0][1][0], vs[0][1][-1]], [fv, fv]))
    svg_plot(os.path.join(a.results, tag + "-validation.svg"), vs, f"{sysk}: validation <E_20 - E_0> during training",
             "epoch", "<E_20 - E_0>", ymax=100.0)
    for e in ["pathwise", "reinforce"]:
        ser = []
        for tg in targets:
            d = per[f"policy-{e}"][tg]; bs = d.get("best_seed", 0)
            if not d.get("curve_file") or not os.path.exists(d["curve_file"]): continue
            xs, ys = [], []
            with open(d["curve_file"]) as f:
                for r in csv.DictReader(f):
                    if int(r["seed"]) == bs:
                        xs.append(int(r["epoch"])); ys.append(float(r["start_energy"]))
            ser.append((os.path.basename(tg)[:-4] + f" (seed {bs})", xs, ys))
        svg_plot(os.path.join(a.results, f"{tag}-adaptation-{e}.svg"), ser,
                 f"{sysk}: adaptation ({e}), start energy per epoch, best seed", "epoch", f"energy ({UNITS[sysk]})")

    # markdown
    u = UNITS[sysk]; pp = PAPER.get(sysk, {})
    fmt = lambda v: "—" if v is None else f"{v:.2f}"
    paper_of = {"gd": "gd", "adam": "adam", "fire": "fire", "policy-pathwise": "policy", "policy-reinforce": "policy"}
    md = [f"# Table 1 reproduction: {sysk}, scale `{a.scale}`" + (" (REDUCED — not the paper's protocol)" if a.scale != "full" else ""), "",
          f"- Command: `{a.command}`",
          f"- Date: {out['date_utc']}; machine: {out['machine']}; {out['strider_version']}",
          f"- Scale: training {P['train_epochs']} epochs (validation every {P['validation_every']}), seed 1, one policy per estimator; "
          f"{P['targets']} targets; adaptation {P['adapt_epochs']} epochs × {P['adapt_seeds']} seeds per target (best seed kept). "
          f"Paper: 10 targets, 1000 adaptation epochs × 10 seeds.",
          f"- Data: {out['data']['train_validation']}; targets: {out['data']['targets']} (held out: never seen in training).",
          f"- Mean initial energy of the targets: {sum(init)/len(init):.2f} {u}.",
          f"- Wall time: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()), "",
          f"Energies in {u}, min / mean over the {len(targets)} targets (lower is better); evaluations = mean energy evaluations per target.", "",
          "| method | min | mean | evaluations | diverged/failed | paper min / mean |", "| --- | --- | --- | --- | --- | --- |"]
    for m in order:
        s = summary[m]; pv = pp.get(paper_of.get(m, ""), None)
        ev = "—" if s["mean_evaluations"] is None else f"{s['mean_evaluations']:.0f}"
        md.append(f"| {m} | {fmt(s['min'])} | {fmt(s['mean'])} | {ev} "
                  f"| {s['diverged']}/{s['targets']} | {'' if pv is None else f'{pv[0]} / {pv[1]}'} |")
    best_classical = min((summary[m]["mean"], m) for m in ["gd", "adam", f"fire-dtmax{FIRE_SAFE_DT_MAX}", "fire2", "lbfgs"] if summary[m]["mean"] is not None)
    md += ["", "Notes:",
           f"- `fire` is the paper's preset (dt_max 0.4); diverged runs (exit status 3: energy non-finite or above 1000× its initial size) are excluded from its min/mean. "
           f"`fire-dtmax{FIRE_SAFE_DT_MAX}` is the same with `--set dt_max={FIRE_SAFE_DT_MAX}`.",
           "- `policy-<estimator>`: `strider train --estimator E` on the 75 training structures, then `strider adapt --estimator E` on each target; "
           "energy = lowest start energy reached by the best seed; evaluations count every seed's policy steps (and reinforce's FIRE baselines).",
           f"- `basin-hopping` (`strider search`, local L-BFGS) and `fire-dtmax{FIRE_SAFE_DT_MAX}-restarts` (FIRE from the target, then from the target with every coordinate moved "
           f"uniformly in ±{RESTART_STEP[sysk]}, up to 1000 steps each, best kept) get per target the budget of the larger of the two policies' evaluation counts.",
           "- The paper's numbers are on the authors' data, not ours: compare the ordering of methods, not the values digit by digit.", ""]
    for e in ["pathwise", "reinforce"]:
        s = summary[f"policy-{e}"]
        if s["mean"] is None: continue
        beats = [m for m in ["gd", "adam", f"fire-dtmax{FIRE_SAFE_DT_MAX}", "fire2", "lbfgs", "basin-hopping", f"fire-dtmax{FIRE_SAFE_DT_MAX}-restarts"]
                 if summary[m]["mean"] is not None and s["mean"] < summary[m]["mean"]]
        loses = [m for m in ["gd", "adam", f"fire-dtmax{FIRE_SAFE_DT_MAX}", "fire2", "lbfgs", "basin-hopping", f"fire-dtmax{FIRE_SAFE_DT_MAX}-restarts"]
                 if summary[m]["mean"] is not None and s["mean"] >= summary[m]["mean"]]
        lost = ", ".join(f"{m} ({summary[m]['mean']:.2f})" for m in loses) or "none"
        md.append(f"- Policy ({e}): mean {s['mean']:.2f} {u}; lower mean than: {', '.join(beats) or 'none'}; "
                  f"not lower than: {lost}.")
    for e in ["pathwise", "reinforce"]:
        fails = [(os.path.basename(tg), per[f"policy-{e}"][tg]) for tg in targets if per[f"policy-{e}"][tg].get("failed_seeds")]
        if fails:
            errs = sorted({f["error"] for _, r in fails for f in r["failed_seeds"]})
            md.append(f"- Policy ({e}): `strider adapt` aborted on {len(fails)}/{len(targets)} targets (every seed, also run one at a time) "
                      f"with: {'; '.join(errs)}. Those seeds have no result; a target with no finishing seed counts as failed.")
    md.append(f"- Best classical local optimiser by mean: {best_classical[1]} ({best_classical[0]:.2f} {u}).")
    md += ["", "Training (validation metric ⟨E_20 − E_0⟩ on the 25 validation structures, lower is better):", ""]
    for e in trained:
        d = trained[e][1]
        md.append(f"- {e}: {d['epochs']} epochs in {d['seconds']:.0f} s; validation ⟨E_20 − E_0⟩ "
                  + ", ".join(f"epoch {v['epoch']}: {v['mean_energy_change']:.2f}" for v in d["validation"])
                  + f"; FIRE's (20 steps): {d.get('fire_validation_energy_change', float('nan')):.2f}.")
    plots = [f for f in [f"{tag}-validation.svg", f"{tag}-adaptation-pathwise.svg", f"{tag}-adaptation-reinforce.svg"]
             if os.path.exists(os.path.join(a.results, f))]
    md += ["", "Plots: " + ", ".join(f"[{f}]({f})" for f in plots) + f". Raw per-target results: [{tag}.json]({tag}.json).", ""]
    if a.note and os.path.exists(a.note):
        md += [open(a.note).read().rstrip(), ""]
    with open(os.path.join(a.results, tag + ".md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))

if __name__ == "__main__":
    main()
