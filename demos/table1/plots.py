"""Plots of the table reproductions (matplotlib, written as SVG and PNG side by side)."""
import bisect

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def save(fig, path_without_suffix):
    """Write fig as PATH.svg and PATH.png; returns the two file names."""
    fig.tight_layout()
    files = []
    for ext in ("svg", "png"):
        fig.savefig(f"{path_without_suffix}.{ext}", dpi=120)
        files.append(f"{path_without_suffix}.{ext}")
    plt.close(fig)
    return files


def lines(path, series, title, xlabel, ylabel, ymax=None, logx=False, xticks=None):
    """series: [(label, xs, ys)], drawn as lines (with markers where there are few points). ymax: values
    above it are drawn at ymax, and the legend says so. xticks: tick positions, labelled as plain numbers."""
    fig, ax = plt.subplots(figsize=(8, 5))
    for label, xs, ys in series:
        if ymax is not None and any(y > ymax for y in ys):
            label, ys = f"{label} (clipped at {ymax:g})", [min(y, ymax) for y in ys]
        ax.plot(xs, ys, marker="o" if len(xs) <= 12 else None, label=label)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    if logx:
        ax.set_xscale("log")
    if xticks:
        ax.set_xticks(xticks, [str(x) for x in xticks])
        ax.minorticks_off()
    ax.grid(alpha=0.3)
    if series:
        ax.legend(fontsize=8, loc="best")
    return save(fig, path)


def best_at(curve, x):
    """The anytime curve's best energy after x evaluations (curve: [[evaluations, best]], ascending);
    None before its first point."""
    k = bisect.bisect_right([c[0] for c in curve], x)
    return curve[k - 1][1] if k else None


def mean_curve(curves, points=200):
    """The mean over targets of their anytime curves on a log grid of evaluation counts, up to the
    smallest last count (where every target's curve is known): (xs, ys)."""
    curves = [c for c in curves if c]
    if not curves:
        return [], []
    x0, x1 = max(c[0][0] for c in curves), min(c[-1][0] for c in curves)
    if x1 <= x0:
        return [x1], [sum(c[-1][1] for c in curves) / len(curves)]
    xs = [x0 * (x1 / x0) ** (k / (points - 1)) for k in range(points)]
    return xs, [sum(best_at(c, x) for c in curves) / len(curves) for x in xs]


def anytime(path, curves, points, title, ylabel):
    """Best energy against energy evaluations (log x), averaged over targets. curves: {method: [curve per
    target]} drawn as lines; points: {method: (mean evaluations, mean energy)} drawn as markers."""
    fig, ax = plt.subplots(figsize=(8, 5))
    for k, (label, cs) in enumerate(curves.items()):
        xs, ys = mean_curve(cs)
        if xs:  # line styles differ: curves that coincide stay visible
            ax.plot(xs, ys, label=label, drawstyle="steps-post", linestyle=["-", "--", ":", "-."][k % 4], linewidth=2 - 0.3 * (k % 4),
                    marker="o" if len(xs) == 1 else None)
    for k, (label, (x, y)) in enumerate(points.items()):
        ax.plot([x], [y], linestyle="none", marker="osD^v<>"[k % 7], label=label)
    ax.set_xscale("log")
    ax.set(title=title, xlabel="energy evaluations (all seeds / restarts / hops together)", ylabel=ylabel)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="best")
    return save(fig, path)
