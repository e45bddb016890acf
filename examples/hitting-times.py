#!/usr/bin/env python3
"""The demo's hitting-time figure from its outputs, in Python: median first-hitting step n* against d on
log-log axes, one series per regime and direction, with the 95% bootstrap intervals `mcm` reported and the
power law the theory predicts for each series (anchored at its first point), as in hitting-times.png.

    npx mcm demo --quick --out demo-out
    PYTHONPATH=python python3 examples/hitting-times.py demo-out              # writes demo-out/hitting-times-py.png
    PYTHONPATH=python python3 examples/hitting-times.py demo-out --print      # the plotted numbers, no matplotlib

A sweep directory (`mcm sweep`) works too: its grid points are one regime. matplotlib is needed for the
figure only (pip install matplotlib, or apt-get install python3-matplotlib).
"""

import argparse
import os
import sys

import numpy as np

import mcm_diffusion


def series(record):
    """The plotted series: {label: {"d", "median", "lo", "hi", "censored", "n", "exponent"}}. The medians are
    recomputed here from the per-walker hits (censored walkers ranked last), the intervals are mcm's."""
    if record.kind == "demo":
        regimes = [(r["label"], r["points"]) for r in record["regimes"]]
    elif record.kind == "sweep":
        # One regime per combination of the non-d grid fields, labelled as mcm labels them ("all" for none).
        regimes = {}
        for p in record["points"]:
            label = " ".join(f"{k}={v}" for k, v in p["at"].items() if k != "d") or "all"
            regimes.setdefault(label, []).append(p)
        regimes = list(regimes.items())
    else:
        raise SystemExit(f"hitting-times.py: {record.path} is a {record.kind} directory; expected a demo or a sweep")
    laws = {(row["label"], row["direction"]): (row.get("predictedExponent"), row.get("lawK")) for row in record["phase"]}
    out = {}
    for label, points in regimes:
        for p in points:
            s = out.setdefault(
                f"{label}: w.{p['direction']}",
                {"d": [], "median": [], "lo": [], "hi": [], "censored": [], "n": [], "exponent": None, "log": False},
            )
            s["d"].append(p["d"])
            s["median"].append(mcm_diffusion.censored_median(p["hits"]))
            s["lo"].append(p["ci"][0])
            s["hi"].append(p["ci"][1])
            s["censored"].append(int(np.isnan(p["hits"]).sum()))
            s["n"].append(len(p["hits"]))
            e, k = laws.get((label, p["direction"]), (None, None))
            s["exponent"] = e if isinstance(e, (int, float)) else None
            s["log"] = k == 2  # k = 2: n* ~ d log d (the exponent is of n* / log d)
    return out


def print_table(data):
    print("series\td\tmedian\tci_lo\tci_hi\tcensored")
    for name, s in data.items():
        for i, d in enumerate(s["d"]):
            cells = [name, d, s["median"][i], s["lo"][i], s["hi"][i], f"{s['censored'][i]}/{s['n'][i]}"]
            print("\t".join(str(c) for c in cells))


def plot(data, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(
            "hitting-times.py: matplotlib is not installed; install it (pip install matplotlib, or apt-get install "
            "python3-matplotlib) to draw the figure, or pass --print for the numbers",
            file=sys.stderr,
        )
        sys.exit(3)
    fig, ax = plt.subplots(figsize=(10, 4.8))
    for i, (name, s) in enumerate(data.items()):
        d, med = np.array(s["d"], float), np.array(s["median"], float)
        ok = ~np.isnan(med)
        if not ok.any():
            continue
        color = f"C{i % 10}"
        lo = np.where(np.isnan(s["lo"]), med, s["lo"])
        hi = np.where(np.isnan(s["hi"]), med, s["hi"])
        ax.errorbar(d[ok], med[ok], yerr=[(med - lo)[ok], (hi - med)[ok]], fmt="o-", color=color, label=name, capsize=3)
        e = s["exponent"]
        if e is not None:
            law = (lambda x: x**e * np.log(x)) if s["log"] else (lambda x: x**e)
            d0, n0 = d[ok][0], med[ok][0]
            grid = np.geomspace(d.min(), d.max(), 20)
            text = "d log d" if s["log"] and e == 1 else f"d^{e:g}" + (" log d" if s["log"] else "")
            ax.plot(grid, n0 * law(grid) / law(d0), "--", color=color, alpha=0.6, label=f"theory: ∝ {text}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("d")
    ax.set_ylabel("median first-hitting step n*")
    ax.set_title("Median first-hitting time n* against d")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    print(f"wrote {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", help="output directory of `mcm demo` or `mcm sweep`")
    parser.add_argument("--print", action="store_true", help="print the plotted numbers instead of drawing")
    parser.add_argument("--out", help="PNG to write (default: DIR/hitting-times-py.png)")
    args = parser.parse_args()
    data = series(mcm_diffusion.load(args.dir))
    if args.print:
        print_table(data)
    else:
        plot(data, args.out or os.path.join(args.dir, "hitting-times-py.png"))


if __name__ == "__main__":
    main()
