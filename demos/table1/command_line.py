"""The command line the table reproductions share (demos/table1/run.sh and demos/table2/run.sh pass
their arguments through to table1.py and table2.py): the options both take, the scale's parameters
with their overrides, and the strider binary they run.
"""
import argparse, os, subprocess

from jobs import log

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def table_parser(scales, folder, estimator_help):
    """The options both tables take (each adds its own). `scales` maps a scale name to its parameters;
    every parameter gets an option that overrides it (train_epochs: --train-epochs N). `folder` is the
    table's folder: results go to folder/results unless --results says otherwise."""
    ap = argparse.ArgumentParser(allow_abbrev=False)
    ap.add_argument("--strider", help="the strider binary (default: build/strider, else build-demo/strider, built there if absent)")
    ap.add_argument("--scale", default="small", choices=scales)
    ap.add_argument("--estimator", default="pathwise", help=estimator_help)
    ap.add_argument("--adapt-options", default="", help="more strider adapt options, one string")
    ap.add_argument("--tag", help="name of the method in file names (default: from estimator and options)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--work", help="the work folder of finished jobs (default: by table, system and scale)")
    ap.add_argument("--results", default=os.path.join(folder, "results"))
    ap.add_argument("--command", default="", help="the command line as typed (for the report)")
    for k in scales["full"]:
        ap.add_argument("--" + k.replace("_", "-"), type=int)
    return ap


def scale_parameters(args, scales):
    """The parameters of args.scale, with those given as options replaced."""
    P = dict(scales[args.scale])
    P.update({k: getattr(args, k) for k in P if getattr(args, k) is not None})
    return P


def strider_binary(given, jobs):
    """The strider to run: `given` (it must be executable), else build/strider or build-demo/strider,
    else strider built in build-demo (Release, `jobs` parallel compilations)."""
    if given:
        if not os.access(given, os.X_OK):
            raise SystemExit(f"{given}: not an executable strider (make build, or --strider BIN)")
        return given
    for b in (os.path.join(ROOT, "build", "strider"), os.path.join(ROOT, "build-demo", "strider")):
        if os.access(b, os.X_OK):
            return b
    build = os.path.join(ROOT, "build-demo")
    log(f"building strider in {build}")
    subprocess.run(["cmake", "-S", ROOT, "-B", build, "-DCMAKE_BUILD_TYPE=Release"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", build, f"-j{jobs}", "--target", "strider"], check=True, stdout=subprocess.DEVNULL)
    return os.path.join(build, "strider")
