#!/usr/bin/env python3
"""Adaptation and training speed of the StriderNET policy against the paper's timings.

Paper (100-atom binary LJ, 2 x 12-core Haswell): adaptation 1170 s per 100 epochs (Table 10:
11.7 s per epoch of T = 15 steps, forward and backward); training 2.11 h per 100 epochs (Table 7).
strider: `strider adapt` (one seed; each estimator: pathwise, bptt, reinforce) on
demos/structures/lj-binary-100.xyz with the shipped policy, and `strider train` (pathwise, batch 4 x accumulation 2 of T = 15 steps per epoch) on a
generated 100-structure dataset, one process each, best of R runs; the time is the command's own
`seconds` (reading inputs excluded). Training runs with one validation (epoch 0, 25 structures x 20
steps), as the paper's runs validate too.

    tests/benchmarks/learning_vs_paper.sh path/to/strider [--runs R] [--adapt-epochs E] [--train-epochs E]
"""
import argparse, json, os, subprocess, sys, tempfile

PAPER_ADAPT_EPOCH_S = 1170.0 / 100
PAPER_TRAIN_100_EPOCHS_S = 2.11 * 3600


def seconds(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["seconds"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("strider")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--adapt-epochs", type=int, default=50)
    ap.add_argument("--train-epochs", type=int, default=20)
    a = ap.parse_args()
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    model = os.path.join(root, "shared", "policy-lj-binary-100.weights")
    target = os.path.join(root, "demos", "structures", "lj-binary-100.xyz")
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        subprocess.run([a.strider, "generate", "--system", "lj-binary", "--n", "100", "--count", "100", "--seed", "1",
                        "--out", data], check=True, capture_output=True)
        estimators = ["pathwise", "bptt", "reinforce"]
        adapt, train = {e: [] for e in estimators}, []
        for r in range(a.runs):  # interleaved, so that all see the same machine load
            for e in estimators:
                adapt[e].append(seconds([a.strider, "adapt", model, target, "--epochs", str(a.adapt_epochs),
                                         "--seeds", "1", "--estimator", e, "--json"]) / a.adapt_epochs)
            train.append(seconds([a.strider, "train", "--system", "lj-binary", "--data", data, "--epochs",
                                  str(a.train_epochs), "--validation-every", str(a.train_epochs + 1), "--seed", "1",
                                  "--out", os.path.join(tmp, f"policy{r}.weights"), "--json"]) / a.train_epochs)
    et = min(train)
    print(f"StriderNET learning speed, lj-binary N = 100, best of {a.runs} runs (one thread)")
    for e in estimators:
        ea = min(adapt[e])
        print(f"  adaptation epoch, {e:9s} (T = 15):      {1000 * ea:8.1f} ms   paper {PAPER_ADAPT_EPOCH_S:.1f} s: "
              f"{PAPER_ADAPT_EPOCH_S / ea:6.0f}x faster   goal < 50 ms: {'met' if ea < 0.05 else 'not met'}")
    print(f"  training, 100 epochs (from {a.train_epochs}):            {100 * et:8.1f} s    paper {PAPER_TRAIN_100_EPOCHS_S / 3600:.2f} h: "
          f"{PAPER_TRAIN_100_EPOCHS_S / (100 * et):6.0f}x faster   goal < 2 min: {'met' if 100 * et < 120 else 'not met'}")


if __name__ == "__main__":
    sys.exit(main())
