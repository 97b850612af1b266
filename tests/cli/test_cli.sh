#!/usr/bin/env bash
# The `strider` command line end to end: help, energies against the LAMMPS
# references, conversions that LAMMPS itself reads back, and every error path
# a user can hit (clear message, exit status 2, nothing written).
# usage: test_cli.sh path/to/strider
set -u
STRIDER=$1
HERE=$(cd "$(dirname "$0")/.." && pwd)
REFS=$HERE/references
PY=/usr/bin/python3
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0

check() {  # check NAME COMMAND...: passes when the command succeeds
  local name=$1
  shift
  if "$@" >"$WORK/out" 2>"$WORK/err"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAILED: $name"
    sed 's/^/  | /' "$WORK/out" "$WORK/err" | head -20
  fi
}

# refuses NAME PATTERN ARGS...: strider exits 2 and stderr matches PATTERN.
refuses() {
  local name=$1 pattern=$2
  shift 2
  "$STRIDER" "$@" >"$WORK/out" 2>"$WORK/err"
  local status=$?
  if [ "$status" = 2 ] && grep -Eq -- "$pattern" "$WORK/err"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAILED: $name (exit $status, stderr below, expected /$pattern/)"
    sed 's/^/  | /' "$WORK/err" | head -5
  fi
}

# same_energy JSON_OUTPUT_FILE REFERENCE_ENERGY: |E - ref| <= 1e-9 max(|ref|, 1)
same_energy() {
  $PY -c 'import json,sys; e=json.load(open(sys.argv[1]))["energy"]; r=float(sys.argv[2]);
sys.exit(0 if abs(e-r) <= 1e-9*max(abs(r),1) else 1)' "$1" "$2"
}

# reference_energy JSON_FILE [KEY]: the number under KEY (default "energy")
reference_energy() { $PY -c 'import json,sys; print(repr(json.load(open(sys.argv[1]))[sys.argv[2]]))' "$1" "${2:-energy}"; }

# --- help -------------------------------------------------------------------
check "strider --help lists the commands" bash -c "'$STRIDER' --help | grep -q 'energy' && '$STRIDER' --help | grep -q 'convert'"
check "strider energy --help explains units" bash -c "'$STRIDER' energy --help | grep -q 'kcal/mol'"
check "strider --version" bash -c "'$STRIDER' --version | grep -q '^strider '"

# --- energies against LAMMPS, JSON output ------------------------------------
for name in lj-binary-n100 sw-si-hot64 csh-n152; do
  "$STRIDER" energy "$REFS/$name.xyz" --json --forces --per-atom >"$WORK/$name.json"
  check "energy --json of $name equals LAMMPS" same_energy "$WORK/$name.json" "$(reference_energy "$REFS/$name.json")"
  check "energy --json of $name has forces and per-atom energies" $PY -c '
import json,sys; o=json.load(open(sys.argv[1])); n=o["n_atoms"]
assert len(o["forces"])==n and len(o["per_atom_energy"])==n and abs(o["energy_per_atom"]*n-o["energy"])<1e-9*abs(o["energy"])' "$WORK/$name.json"
done
check "energy text output names the energy per atom" bash -c "'$STRIDER' energy '$REFS/lj-binary-n100.xyz' | grep -q 'energy per atom'"

# --- conversions: LAMMPS reads our data files and finds the same energy -------
lammps_energy() {  # lammps_energy DATA_FILE SYSTEM: LAMMPS's pe of our data file
  local data=$1 system=$2 setup
  case $system in
    sw-si) setup="units metal
boundary p p p
atom_style atomic
read_data $data
pair_style sw
pair_coeff * * /usr/share/lammps/potentials/Si.sw Si" ;;
    lj-binary) setup="units lj
boundary p p p
atom_style atomic
read_data $data
pair_style lj/cut 2.5
pair_coeff 1 1 1.0 1.0 2.5
pair_coeff 1 2 1.5 0.8 2.0
pair_coeff 2 2 0.5 0.88 2.2" ;;
  esac
  printf '%s\nthermo_modify norm no\nrun 0\nprint "PE $(pe:%%.17g)"\n' "$setup" >"$WORK/in.lmp"
  (cd "$WORK" && lmp -in in.lmp -log none 2>/dev/null | sed -n 's/^PE //p')
}
for pair in "sw-si-hot64 sw-si" "lj-binary-n25 lj-binary"; do
  set -- $pair
  "$STRIDER" convert "$REFS/$1.xyz" "$WORK/$1.data" 2>/dev/null
  check "LAMMPS reads our $1 data file and gets the reference energy" \
    $PY -c 'import sys; e=float(sys.argv[1]); r=float(sys.argv[2]); sys.exit(0 if abs(e-r)<=1e-9*max(abs(r),1) else 1)' \
    "$(lammps_energy "$WORK/$1.data" "$2")" "$(reference_energy "$REFS/$1.json")"
  "$STRIDER" convert "$WORK/$1.data" "$WORK/$1-back.xyz" 2>/dev/null
  "$STRIDER" energy "$WORK/$1-back.xyz" --json >"$WORK/back.json"
  check "xyz -> data -> xyz keeps $1's energy" same_energy "$WORK/back.json" "$(reference_energy "$REFS/$1.json")"
done
"$STRIDER" convert "$REFS/lj-cluster13.xyz" "$WORK/cluster.data" 2>/dev/null
"$STRIDER" convert "$WORK/cluster.data" "$WORK/cluster.xyz" 2>/dev/null
"$STRIDER" energy "$WORK/cluster.xyz" --json >"$WORK/cluster.json"
check "a free cluster survives xyz -> data -> xyz" same_energy "$WORK/cluster.json" "$(reference_energy "$REFS/lj-cluster13.json")"

# --- minimize ------------------------------------------------------------------
"$STRIDER" minimize "$REFS/lj-cluster13.xyz" --optimizer lbfgs --fmax 1e-6 --json --out "$WORK/min.xyz" \
  --trajectory "$WORK/traj.xyz" --every 5 >"$WORK/min.json"
check "minimize --json has its keys, final < initial" $PY -c '
import json,sys; o=json.load(open(sys.argv[1]))
for k in ("initial_energy","final_energy","steps","evaluations","max_force","optimizer","system","energy_per_atom"): assert k in o, k
assert o["final_energy"] < o["initial_energy"] and o["converged"] and o["max_force"] <= 1e-6' "$WORK/min.json"
check "minimize lbfgs reaches LAMMPS's minimum of lj-cluster13" $PY -c '
import json,sys; e=json.load(open(sys.argv[1]))["final_energy"]; r=json.load(open(sys.argv[2]))["energy"]
sys.exit(0 if abs(e-r) <= 1e-9*abs(r) else 1)' "$WORK/min.json" "$REFS/minimize/lj-cluster13.json"
"$STRIDER" energy "$WORK/min.xyz" --json >"$WORK/min-energy.json"
check "minimize --out writes the final structure" same_energy "$WORK/min-energy.json" "$(reference_energy "$WORK/min.json" final_energy)"
check "minimize --trajectory --every 5 writes steps 0, 5, ... and the last" $PY -c '
import json,sys; steps=json.load(open(sys.argv[1]))["steps"]; frames=open(sys.argv[2]).read().count("Properties=")
sys.exit(0 if frames == steps // 5 + 1 + (steps % 5 != 0) else 1)' "$WORK/min.json" "$WORK/traj.xyz"
for opt in gd adam fire fire2 lbfgs; do
  "$STRIDER" minimize "$REFS/sw-si-diamond64.xyz" --optimizer $opt --set "$([ $opt = fire ] && echo dt_start=0.05 || echo)" \
    --steps 50 --json >"$WORK/min-$opt.json" 2>/dev/null
  check "minimize --optimizer $opt lowers the energy of sw-si-diamond64" $PY -c '
import json,sys; o=json.load(open(sys.argv[1])); assert o["final_energy"] < o["initial_energy"] and o["steps"] == 50' "$WORK/min-$opt.json"
done
"$STRIDER" minimize "$REFS/lj-binary-n100.xyz" --optimizer fire --preset paper >/dev/null 2>"$WORK/diverged.err"
status=$?
check "minimize reports a diverging run (the paper's FIRE preset on a liquid) with exit status 3" \
  bash -c "[ $status = 3 ] && grep -q 'diverged' '$WORK/diverged.err'"
refuses "minimize: no optimizer" "--optimizer is required" minimize "$REFS/lj-cluster13.xyz"
refuses "minimize: unknown optimizer" "unknown optimizer 'newton'.*lbfgs" minimize "$REFS/lj-cluster13.xyz" --optimizer newton
refuses "minimize: negative steps" "--steps" minimize "$REFS/lj-cluster13.xyz" --optimizer fire --steps -5
refuses "minimize: NaN steps" "--steps" minimize "$REFS/lj-cluster13.xyz" --optimizer fire --steps nan
refuses "minimize: fractional steps" "--steps" minimize "$REFS/lj-cluster13.xyz" --optimizer fire --steps 2.5
refuses "minimize: negative fmax" "--fmax" minimize "$REFS/lj-cluster13.xyz" --optimizer fire --fmax -1
refuses "minimize: NaN fmax" "--fmax" minimize "$REFS/lj-cluster13.xyz" --optimizer fire --fmax nan
refuses "minimize: unknown parameter" "unknown parameter 'dt'.*dt_start" minimize "$REFS/lj-cluster13.xyz" --optimizer fire --set dt=0.1
refuses "minimize: NaN parameter" "dt_start" minimize "$REFS/lj-cluster13.xyz" --optimizer fire --set dt_start=nan
refuses "minimize: unknown preset" "unknown preset" minimize "$REFS/lj-cluster13.xyz" --optimizer fire --preset fast
refuses "minimize: --out not extxyz" "extended XYZ" minimize "$REFS/lj-cluster13.xyz" --optimizer fire --out "$WORK/out.data"
check "a refused minimize writes nothing" bash -c "[ ! -e '$WORK/out.data' ]"

# --- basin hopping -------------------------------------------------------------
"$STRIDER" search "$REFS/lj-cluster13.xyz" --method basin-hopping --budget 4000 --seed 3 --json --out "$WORK/best.xyz" >"$WORK/search.json"
check "search finds LJ13's global minimum -44.326801" $PY -c '
import json,sys; o=json.load(open(sys.argv[1])); assert abs(o["final_energy"]+44.326801)<1e-5 and o["evaluations"]<=4001' "$WORK/search.json"
"$STRIDER" energy "$WORK/best.xyz" --json >"$WORK/best.json"
check "search --out writes the best minimum" same_energy "$WORK/best.json" "$(reference_energy "$WORK/search.json" final_energy)"
"$STRIDER" search "$REFS/lj-cluster13.xyz" --budget 1500 --seed 5 --json >"$WORK/s1.json"
"$STRIDER" search "$REFS/lj-cluster13.xyz" --budget 1500 --seed 5 --json >"$WORK/s2.json"
check "search with one seed repeats itself" cmp "$WORK/s1.json" "$WORK/s2.json"
"$STRIDER" search "$REFS/lj-cluster13.xyz" --budget 4000 --seed 3 --curve "$WORK/search.csv" --json >"$WORK/search-curve.json"
check "search --curve: one row per hop, best non-increasing, ending at LJ13's -44.326801" $PY -c '
import csv,json,sys
o=json.load(open(sys.argv[1])); rows=list(csv.DictReader(open(sys.argv[2])))
assert [int(r["hop"]) for r in rows]==list(range(o["hops"]+1)), "one row per hop, hop 0 first"
ev=[int(r["evaluations"]) for r in rows]; best=[float(r["best_energy"]) for r in rows]
assert all(a<b for a,b in zip(ev,ev[1:])) and ev[-1]==o["evaluations"]
assert all(b<=a for a,b in zip(best,best[1:])) and best[-1]==min(float(r["energy"]) for r in rows)
assert best[-1]==o["final_energy"] and abs(best[-1]+44.326801)<1e-5
assert sum(int(r["accepted"]) for r in rows)==o["accepted"]' "$WORK/search-curve.json" "$WORK/search.csv"
refuses "search: unknown method" "unknown method" search "$REFS/lj-cluster13.xyz" --method annealing
refuses "search: NaN temperature" "--temperature" search "$REFS/lj-cluster13.xyz" --temperature nan
refuses "search: negative budget" "--budget" search "$REFS/lj-cluster13.xyz" --budget -5
refuses "search: unknown local optimiser" "unknown optimi" search "$REFS/lj-cluster13.xyz" --local newton

# --- md and generate: seeded runs repeat byte for byte; bad options refused ----
check "md --help gives metal time in ps" bash -c "'$STRIDER' md --help | grep -q 'ps'"
for run in 1 2; do
  "$STRIDER" md "$REFS/lj-binary-n100.xyz" --temperature 2.0 --steps 300 --dt 0.003 --seed 4 --every 50 \
    --trajectory "$WORK/md$run.xyz" --json >"$WORK/md$run.json"
done
check "md with one seed writes the same trajectory twice" cmp "$WORK/md1.xyz" "$WORK/md2.xyz"
check "md trajectory has steps 0, 50, ..., 300" bash -c "[ \$(grep -c '^100\$' '$WORK/md1.xyz') = 7 ]"
check "md --json reports the run" $PY -c 'import json,sys; o=json.load(open(sys.argv[1]));
assert o["steps"]==300 and o["thermostat"]=="nh" and abs(o["mean_temperature"]-2.0)<0.5' "$WORK/md1.json"
"$STRIDER" md "$REFS/sw-si-hot64.xyz" --temperature 3500 --steps 200 --thermostat none --json >"$WORK/nve.json"
check "md NVE conserves sw-si energy" $PY -c 'import json,sys; o=json.load(open(sys.argv[1]));
assert abs(o["conserved_drift"]) < 1e-3*abs(o["initial_energy"])' "$WORK/nve.json"
refuses "md: negative steps" "--steps" md "$REFS/lj-binary-n100.xyz" --temperature 1 --steps -5
refuses "md: NaN temperature" "--temperature" md "$REFS/lj-binary-n100.xyz" --temperature nan --steps 10
refuses "md: negative temperature" "--temperature" md "$REFS/lj-binary-n100.xyz" --temperature -1 --steps 10
refuses "md: zero time step" "--dt" md "$REFS/lj-binary-n100.xyz" --temperature 1 --steps 10 --dt 0
refuses "md: unknown thermostat" "unknown thermostat" md "$REFS/lj-binary-n100.xyz" --temperature 1 --steps 10 --thermostat berendsen
refuses "md: no temperature" "--temperature is required" md "$REFS/lj-binary-n100.xyz" --steps 10
for run in 1 2; do
  "$STRIDER" generate --system lj-binary --n 25 --count 3 --equilibration 200 --interval 50 --seed 7 \
    --out "$WORK/gen$run" >/dev/null
  "$STRIDER" generate --system csh --n 40 --count 2 --equilibration 20 --seed 7 --out "$WORK/csh$run" >/dev/null
done
check "generate with one seed writes the same files twice" diff -r "$WORK/gen1" "$WORK/gen2"
check "generate csh with one seed writes the same files twice" diff -r "$WORK/csh1" "$WORK/csh2"
check "generate writes 000.xyz ... and a manifest" test -f "$WORK/gen1/002.xyz" -a -f "$WORK/gen1/manifest.json"
check "generated structures evaluate to the manifest's energies" $PY -c '
import json,subprocess,sys; d=sys.argv[2]; m=json.load(open(d+"/manifest.json"))
assert m["system"]=="lj-binary" and m["seed"]==7 and len(m["structures"])==3 and m["version"]
for s in m["structures"]:
    e=json.loads(subprocess.check_output([sys.argv[1],"energy",d+"/"+s["file"],"--json"]))["energy"]
    assert abs(e-s["energy"])<=1e-9*abs(e), (e, s)' "$STRIDER" "$WORK/gen1"
"$STRIDER" generate --system lj-binary --n 25 --count 3 --equilibration 200 --interval 50 --seed 8 --out "$WORK/gen3" >/dev/null
check "generate with another seed writes other structures" bash -c "! cmp -s '$WORK/gen1/000.xyz' '$WORK/gen3/000.xyz'"
refuses "generate: unknown system" "unknown system 'argon'" generate --system argon --out "$WORK/x"
refuses "generate: sw-si N not 8 k^3" "8 k\^3" generate --system sw-si --n 65 --out "$WORK/x"
refuses "generate: zero count" "--count" generate --system lj --count 0 --out "$WORK/x"
refuses "generate: NaN temperature" "--temperature" generate --system lj --temperature nan --out "$WORK/x"
refuses "generate: no --out" "--out" generate --system lj
check "refused generate runs made no folder" test ! -e "$WORK/x"

# --- train, rollout, adapt: the learned optimiser end to end ------------------
TRAIN="--data $WORK/gen1 --batch-size 1 --accumulation 1 --steps 3 --validation-steps 3 --validation-every 1"
"$STRIDER" train $TRAIN --epochs 2 --out "$WORK/p.weights" --json >"$WORK/train.json"
check "train --json reports the validation curve at epochs 0, 1, 2" $PY -c 'import json,sys; o=json.load(open(sys.argv[1]));
assert o["epochs"]==2 and [v["epoch"] for v in o["validation"]]==[0,1,2] and o["training_structures"]==2
assert o["validation_structures"]==1 and o["evaluations"]>0 and o["estimator"]=="pathwise"' "$WORK/train.json"
check "train writes the model, the checkpoint and the curves" test -s "$WORK/p.weights" -a -s "$WORK/p.weights.checkpoint" -a -s "$WORK/p.weights.csv"
"$STRIDER" train $TRAIN --epochs 1 --out "$WORK/r.weights" >/dev/null
"$STRIDER" train $TRAIN --epochs 2 --out "$WORK/r.weights" --resume >/dev/null
check "a resumed training run equals an uninterrupted one, byte for byte" bash -c "cmp '$WORK/p.weights' '$WORK/r.weights' &&
  cmp '$WORK/p.weights.checkpoint' '$WORK/r.weights.checkpoint' && cmp '$WORK/p.weights.csv' '$WORK/r.weights.csv'"
check "train --estimator reinforce, both baselines" bash -c "'$STRIDER' train $TRAIN --epochs 1 --estimator reinforce --out '$WORK/q.weights' &&
  '$STRIDER' train $TRAIN --epochs 1 --estimator reinforce --baseline mean --out '$WORK/q.weights'"
"$STRIDER" rollout "$WORK/p.weights" "$WORK/gen1/002.xyz" --steps 4 --trajectory "$WORK/roll.xyz" --json >"$WORK/roll.json"
check "rollout --json reports T + 1 energies and evaluations" $PY -c 'import json,sys; o=json.load(open(sys.argv[1]));
assert o["steps"]==4 and len(o["energies"])==5 and o["evaluations"]==5 and o["min_energy"]==min(o["energies"])
assert o["initial_energy"]==o["energies"][0] and o["final_energy"]==o["energies"][-1]' "$WORK/roll.json"
check "rollout trajectory has T + 1 frames" bash -c "[ \$(grep -c '^25\$' '$WORK/roll.xyz') = 5 ]"
"$STRIDER" rollout "$WORK/p.weights" "$WORK/gen1/002.xyz" --steps 4 --json >"$WORK/roll2.json"
check "rollout with one seed repeats itself" $PY -c 'import json,sys; a,b=(json.load(open(f)) for f in sys.argv[1:]);
assert a["energies"]==b["energies"]' "$WORK/roll.json" "$WORK/roll2.json"
"$STRIDER" search "$WORK/gen1/002.xyz" --proposal policy --model "$WORK/p.weights" --policy-steps 3 --step 0.2 \
  --budget 600 --seed 2 --json >"$WORK/psearch.json"
check "search --proposal policy stays in budget and reports its proposal" $PY -c 'import json,sys; o=json.load(open(sys.argv[1]));
assert o["proposal"]=="policy" and o["policy_steps"]==3 and o["hops"]>=1 and o["evaluations"]<=620 and o["final_energy"]<o["initial_energy"]' "$WORK/psearch.json"
refuses "search: --proposal policy without --model" "go together" search "$WORK/gen1/002.xyz" --proposal policy
refuses "search: unknown proposal" "unknown proposal" search "$WORK/gen1/002.xyz" --proposal swap
"$STRIDER" search "$WORK/gen1/002.xyz" --proposal adaptive --model "$WORK/p.weights" --proposal-lr 0.01 \
  --budget 600 --seed 2 --json >"$WORK/asearch.json"
check "search --proposal adaptive stays in budget and learns from every finished hop" $PY -c 'import json,sys; o=json.load(open(sys.argv[1]));
assert o["proposal"]=="adaptive" and o["proposal_lr"]==0.01 and o["hops"]>=3 and o["evaluations"]<=620 and o["final_energy"]<o["initial_energy"]
assert 1<=o["policy_updates"]<=o["hops"]-2, o' "$WORK/asearch.json"
refuses "search: --proposal-lr without --proposal adaptive" "is for --proposal adaptive" search "$WORK/gen1/002.xyz" --proposal-lr 0.1
refuses "search: a policy of another system" "differs from the policy" search "$REFS/lj-cluster13.xyz" --system lj --proposal policy --model "$WORK/p.weights"
"$STRIDER" adapt "$WORK/p.weights" "$WORK/gen1/002.xyz" --epochs 3 --seeds 2 --steps 3 --out "$WORK/adapted.xyz" --json >"$WORK/adapt.json"
check "adapt --json reports initial_energy, final_energy, evaluations" $PY -c 'import json,sys; o=json.load(open(sys.argv[1]));
assert o["final_energy"]<=o["initial_energy"] and len(o["runs"])==2
assert o["evaluations"]==sum(r["evaluations"] for r in o["runs"])==2*(1+3*4)' "$WORK/adapt.json"
"$STRIDER" energy "$WORK/adapted.xyz" --json >"$WORK/adapted.json"
check "adapt --out writes the structure of final_energy" $PY -c 'import json,sys; a=json.load(open(sys.argv[1]));
e=json.load(open(sys.argv[2]))["energy"]; assert abs(e-a["final_energy"])<=1e-9*abs(e)' "$WORK/adapt.json" "$WORK/adapted.json"
refuses "train: no --data" "--data" train --system lj-binary --out "$WORK/x.weights"
refuses "train: missing data folder" "no such folder" train --data "$WORK/nowhere" --out "$WORK/x.weights"
refuses "train: unknown estimator" "unknown estimator 'ppo'" train $TRAIN --estimator ppo --out "$WORK/x.weights"
refuses "train: a baseline with pathwise" "--baseline is for" train $TRAIN --baseline mean --out "$WORK/x.weights"
refuses "train: --resume without a checkpoint" "no checkpoint" train $TRAIN --resume --out "$WORK/x.weights"
refuses "train: another seed cannot resume" "seed" train $TRAIN --epochs 3 --seed 9 --resume --out "$WORK/p.weights"
refuses "rollout: policy of another system" "lj-binary" rollout "$WORK/p.weights" "$REFS/sw-si-hot64.xyz" --steps 2
refuses "rollout: missing policy" "no such policy file" rollout "$WORK/nowhere.weights" "$WORK/gen1/002.xyz"
refuses "adapt: negative epochs" "--epochs" adapt "$WORK/p.weights" "$WORK/gen1/002.xyz" --epochs -1
"$STRIDER" adapt "$WORK/p.weights" "$WORK/gen1/002.xyz" --epochs 2 --seeds 1 --steps 3 --estimator bptt --restart any \
  --variance 1e-12 --json >"$WORK/adapt-bptt.json"
check "adapt --estimator bptt: one weighted-force pass per step but the first counts, options in the JSON" $PY -c '
import json,sys; o=json.load(open(sys.argv[1]))
assert o["estimator"]=="bptt" and o["candidates"]==3 and o["variance"]==1e-12 and o["learning_rate"]==0.0005
assert o["evaluations"]==1+2*(4+2) and o["final_energy"]<=o["initial_energy"]' "$WORK/adapt-bptt.json"
if [ -x "$(dirname "$STRIDER")/strider-torch" ]; then  # a build with LibTorch: the batched backend takes bptt too
  "$STRIDER" adapt "$WORK/p.weights" "$WORK/gen1/002.xyz" --epochs 2 --seeds 1 --steps 3 --estimator bptt \
    --restart any --variance 1e-12 --backend torch --json >"$WORK/adapt-bptt-torch.json"
  check "adapt --backend torch --estimator bptt: the engine's energies and evaluations" $PY -c '
import json,sys; t=json.load(open(sys.argv[1])); e=json.load(open(sys.argv[2]))
assert t["estimator"]=="bptt" and t["evaluations"]==e["evaluations"]==1+2*(4+2)
assert abs(t["final_energy"]-e["final_energy"])<=1e-9*abs(e["initial_energy"])' "$WORK/adapt-bptt-torch.json" \
    "$WORK/adapt-bptt.json"
fi
"$STRIDER" train $TRAIN --epochs 1 --estimator bptt --init torch --variance 1e-12 --displacement-scale 3.5 \
  --out "$WORK/b.weights" --json >"$WORK/train-bptt.json"
check "train --estimator bptt --init --variance --displacement-scale: recorded in the JSON and the weight file" $PY -c '
import json,sys; o=json.load(open(sys.argv[1])); w=open(sys.argv[2]).read()
assert o["estimator"]=="bptt" and o["initialisation"]=="torch" and o["variance"]==1e-12 and o["displacement_scale"]==3.5
assert "\"initialisation\": \"torch\"" in w and "\"variance\": 1e-12" in w and "\"displacement_scale\": 3.5" in w' \
  "$WORK/train-bptt.json" "$WORK/b.weights"
"$STRIDER" train $TRAIN --epochs 1 --estimator bptt --features forces --out "$WORK/f.weights" --json >"$WORK/train-forces.json"
check "train --features forces: recorded in the JSON and the weight file" $PY -c '
import json,sys; o=json.load(open(sys.argv[1])); w=json.JSONDecoder().raw_decode(open(sys.argv[2]).read().split("\n",1)[1])[0]
assert o["features"]=="forces" and w["graph"]["features"]=="forces" and w["training"]["features"]=="forces"' "$WORK/train-forces.json" "$WORK/f.weights"
check "rollout and adapt (bptt) run a forces policy" bash -c "'$STRIDER' rollout '$WORK/f.weights' '$WORK/gen1/002.xyz' --steps 3 >/dev/null &&
  '$STRIDER' adapt '$WORK/f.weights' '$WORK/gen1/002.xyz' --epochs 2 --seeds 2 --steps 3 --estimator bptt >/dev/null"
refuses "train: an unknown feature set" "known: paper, authors, forces" train $TRAIN --features force --out "$WORK/x.weights"
refuses "adapt: an unknown restart rule" "unknown rule" adapt "$WORK/p.weights" "$WORK/gen1/002.xyz" --restart best
refuses "adapt: --restart with --candidates" "give one" adapt "$WORK/p.weights" "$WORK/gen1/002.xyz" --restart any --candidates 3
refuses "adapt: a zero variance" "--variance" adapt "$WORK/p.weights" "$WORK/gen1/002.xyz" --variance 0
refuses "train: a negative displacement scale" "--displacement-scale must be" train $TRAIN --displacement-scale -1 --out "$WORK/x.weights"
refuses "train: an unknown initialisation" "unknown initialisation 'xavier'" train $TRAIN --init xavier --out "$WORK/x.weights"
check "refused train runs wrote nothing" test ! -e "$WORK/x.weights"

# --- errors: a clear message, status 2, nothing written ------------------------
refuses "missing file" "nowhere.xyz" energy "$WORK/nowhere.xyz"
refuses "unknown system" "unknown system 'argon'.*lj-binary" energy "$REFS/lj-binary-n100.xyz" --system argon
refuses "unknown option" "unknown option --frobnicate" energy "$REFS/lj-binary-n100.xyz" --frobnicate
refuses "unknown command" "unknown command" frobnicate
refuses "missing argument" "expects FILE" energy
refuses "species not in the system" "unknown species 'A'" energy "$REFS/lj-binary-n100.xyz" --system sw-si
refuses "no system anywhere" "pass --system" energy "$HERE/cli/no-system.xyz"
printf '2\nLattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3 pbc="T T T" system=lj\nX 0 0 0\nX 1.0 nan 0.5\n' >"$WORK/nan.xyz"
refuses "NaN coordinate names file and line" "nan.xyz:4:" energy "$WORK/nan.xyz"
printf '3\nLattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3 pbc="T T T" system=lj\nX 0 0 0\nX 1 1 1\n' >"$WORK/short.xyz"
refuses "truncated file" "short.xyz" energy "$WORK/short.xyz"
refuses "bad --cutoff" "--cutoff" energy "$REFS/lj-cluster13.xyz" --cutoff abc
# The neighbour list's cell grid: 3 lj-binary atoms spread over 1e7 sigma (the
# grid's cell count wrapped to 0: a segfault). Only B-A is within the cutoff:
# E = 4 eps_AB ((sigma_AB/r)^12 - (sigma_AB/r)^6), eps_AB = 1.5, sigma_AB = 0.8.
printf '3\nProperties=species:S:1:pos:R:3 pbc="F F F" system=lj-binary\nA 0 0 0\nB 1e7 3e6 -2e6\nA 10000001.1 3e6 -1999999.6\n' >"$WORK/spread.xyz"
"$STRIDER" energy "$WORK/spread.xyz" --json >"$WORK/spread.json" 2>"$WORK/spread.err"
check "a cluster spread over 1e7 sigma has its one close pair's energy" same_energy "$WORK/spread.json" \
  "$($PY -c 'r=((10000001.1-1e7)**2+(-1999999.6+2e6)**2)**0.5; print(repr(4*1.5*((0.8/r)**12-(0.8/r)**6)))')"
# A periodic box of 1e-9 sigma (image layers overflowed int: 2.3e108 printed).
printf '2\nLattice="1e-9 0 0 0 1e-9 0 0 0 1e-9" Properties=species:S:1:pos:R:3 pbc="T T T" system=lj-binary\nA 0 0 0\nB 5e-10 5e-10 5e-10\n' >"$WORK/tiny.xyz"
refuses "a box far smaller than the cutoff" "below the limit" energy "$WORK/tiny.xyz"
refuses "unknown output format" "extension|format" convert "$REFS/lj-cluster13.xyz" "$WORK/out.pdb"
echo "keep me" >"$WORK/existing.data"
refuses "convert of a broken file" "nan.xyz" convert "$WORK/nan.xyz" "$WORK/existing.data"
check "a failed convert leaves the existing target untouched" grep -qx "keep me" "$WORK/existing.data"
check "a failed convert leaves no temporary file" bash -c "[ \$(ls '$WORK' | grep -c tmp) = 0 ]"

# --- what must never print a number: non-finite energies, boxes and coordinates out of reach ---
printf '2\nsystem=lj-binary\nA 1 1 1\nB 1 1 1\n' >"$WORK/same-spot.xyz"
refuses "two atoms on one spot: an error, not \"energy\": null" "same-spot.xyz: the energy or a force is not finite" \
  energy "$WORK/same-spot.xyz" --json
cp "$WORK/out" "$WORK/same-spot.out"
check "two atoms on one spot print no energy" test ! -s "$WORK/same-spot.out"
refuses "benchmark of two atoms on one spot" "not finite" bench "$WORK/same-spot.xyz" --repeat 1
printf '2\nLattice="1e-300 0 0 0 1e-300 0 0 0 1e-300" pbc="T T T" system=lj-binary\nA 0 0 0\nB 0 0 0\n' >"$WORK/tiny.xyz"
refuses "a 1e-300 box names file and line" "tiny.xyz:2: Lattice vector 1: periodic box length 1e-300 is below" energy "$WORK/tiny.xyz" --json
printf '2\nLattice="4 0 0 0 4 0 0 0 1e308" pbc="T T T" system=lj-binary\nA 0 0 0\nB 1 1 1\n' >"$WORK/huge.xyz"
refuses "a 1e308 box names file and line" "huge.xyz:2: Lattice vector 3: box length 1e\+308 is over" energy "$WORK/huge.xyz"
printf '2\nLattice="0.01 0 0 0 0.01 0 0 0 0.01" pbc="T T T" system=lj-binary\nA 0 0 0\nB 0.005 0.005 0.005\n' >"$WORK/small-box.xyz"
refuses "a box far below the cutoff" "small-box.xyz: the periodic box length 0.01 along x is far below the cutoff 2.5" \
  bench "$WORK/small-box.xyz" --repeat 1
printf '2\nLattice="4 0 0 0 4 0 0 0 4" pbc="T T T" system=lj-binary\nA 0 0 0\nB 1 4000000 1\n' >"$WORK/far.xyz"
refuses "a coordinate 10^6 box lengths out names file and line" "far.xyz:4: y of atom 2: coordinate 4000000 lies 999999 box lengths outside" \
  energy "$WORK/far.xyz"
printf '2\nLattice="4 0 0 0 4 0 0 0 4" pbc="T T T" system=lj-binary\nA 0 0 0\nB 0x1 1 1\n' >"$WORK/hex.xyz"
refuses "a hexadecimal coordinate" "hex.xyz:4: x of atom 2: '0x1' is not a number" energy "$WORK/hex.xyz"
printf '2\nLattice="4 0 0 0 4 0 0 0 4" pbc="T T T" pbc="F F F" system=lj-binary\nA 0 0 0\nB 1 1 1\n' >"$WORK/twice.xyz"
refuses "a repeated pbc key" "twice.xyz:2: the key 'pbc' appears twice" energy "$WORK/twice.xyz"
# The same pair 1000 box lengths apart is accepted and has the pair's energy (an exact wrap: 1 1 1 vs 4001 1 1).
printf '2\nLattice="4 0 0 0 4 0 0 0 4" pbc="T T T" system=lj-binary\nA 0 0 0\nB 1 1 1\n' >"$WORK/near.xyz"
printf '2\nLattice="4 0 0 0 4 0 0 0 4" pbc="T T T" system=lj-binary\nA 0 0 0\nB 4001 1 1\n' >"$WORK/wrapped.xyz"
"$STRIDER" energy "$WORK/near.xyz" --json >"$WORK/near.json"
"$STRIDER" energy "$WORK/wrapped.xyz" --json >"$WORK/wrapped.json"
check "1000 box lengths out: the energy of the wrapped pair" same_energy "$WORK/wrapped.json" \
  "$(reference_energy "$WORK/near.json")"

# strider alone, with no strider-torch beside it (a build without LibTorch, or strider copied by
# itself): asking for the torch backend or a distributed run is a clear error; the rest works.
mkdir "$WORK/alone" && cp "$STRIDER" "$WORK/alone/strider"
# --- the shipped policies: each has its card, names the system of its file name, and lowers the
# energy of a structure of its training size that it never saw (20 mean-action steps) -------------
for weights in "$HERE"/../shared/policy-*.weights; do
  name=$(basename "$weights" .weights)
  size=${name##*-}
  system=${name#policy-}
  system=${system%-*}
  check "$name has a card" test -s "${weights%.weights}.md"
  check "$name is a $system policy" grep -q "\"system\": \"$system\"" "$weights"
  "$STRIDER" generate --system "$system" --n "$size" --count 1 --seed 9 --out "$WORK/shipped-$system" >/dev/null
  check "$name lowers the energy of a fresh $system N = $size structure" bash -c "'$STRIDER' rollout '$weights' \
    '$WORK/shipped-$system/000.xyz' --steps 20 --mean --json | $PY -c 'import json, sys; d = json.load(sys.stdin); sys.exit(not d[\"final_energy\"] < d[\"initial_energy\"])'"
done

BESIDE=$STRIDER
STRIDER=$WORK/alone/strider
refuses "train --backend torch without strider-torch" "^strider train: error: --backend torch: this strider was built without LibTorch" \
  train $TRAIN --epochs 1 --out "$WORK/alone/t.weights" --backend torch
refuses "adapt --backend torch without strider-torch" "this strider was built without LibTorch" \
  adapt "$WORK/p.weights" "$WORK/gen1/002.xyz" --epochs 1 --seeds 1 --backend torch
WORLD_SIZE=2 refuses "adapt with WORLD_SIZE=2 without strider-torch" "WORLD_SIZE=2: this strider was built without LibTorch" \
  adapt "$WORK/p.weights" "$WORK/gen1/002.xyz" --epochs 1 --seeds 2
check "adapt with the engine backend without strider-torch" "$STRIDER" adapt "$WORK/p.weights" "$WORK/gen1/002.xyz" \
  --epochs 1 --seeds 1 --json
check "nothing written by the refused runs" test ! -e "$WORK/alone/t.weights"
STRIDER=$BESIDE

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
