"""Loading the output directories of ``mcm`` (docs/outputs.md describes every file)."""

from __future__ import annotations

import csv
import json
import math
import os
from typing import Any, Iterable

import numpy as np

from .labeled import Labeled

#: The schemas this reader knows, with the newest format version it reads.
SCHEMAS = {
    "mcm.run-config": 1,
    "mcm.run-summary": 1,
    "mcm.sweep": 1,
    "mcm.sweep-spec": 1,
    "mcm.sweep-state": 1,
    "mcm.demo": 1,
    "mcm.generate": 1,
    "mcm.generate-state": 1,
    "mcm.diffusion": 1,
    "mcm.diffusion-options": 1,
    "mcm.diffusion-samples": 1,
    "mcm.images": 1,
    "mcm.images-options": 1,
    "mcm.exponent": 1,
    "mcm.predict": 1,
    "mcm.bench": 1,
}

#: The names of the last axis of every overlap array: the overlaps with the spikes u, v and m.
OVERLAP = ("u", "v", "m")


class SchemaError(ValueError):
    """A file of a newer format than this reader knows, or not an mcm output at all."""


class Record(dict):
    """A loaded output directory: a dict of its contents, with ``kind`` ("run", "sweep", "demo",
    "generate", "diffusion", "images") and ``path`` as attributes; ``raw`` holds the main JSON file
    as written."""

    def __init__(self, kind: str, path: str, contents: dict[str, Any], raw: Any = None):
        super().__init__(contents)
        self.kind = kind
        self.path = path
        self.raw = raw

    def __repr__(self) -> str:
        keys = ", ".join(self.keys())
        return f"<mcm_diffusion.Record {self.kind} at {self.path}: {keys}>"


def read_json(path: str) -> Any:
    """A JSON output, its schema checked: a newer format version than this reader knows is refused,
    naming both; a file without a schema (written before the header existed) is read as it is."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    schema = doc.get("schema") if isinstance(doc, dict) else None
    if schema is not None:
        kind, _, n = str(schema).rpartition("/")
        known = SCHEMAS.get(kind)
        if known is not None and n.isdigit() and int(n) > known:
            raise SchemaError(
                f"{path}: schema {schema}, written by mcm-diffusion {doc.get('version')}; "
                f"this reader knows {kind}/{known} at most (update mcm_diffusion)"
            )
    return doc


def censored_median(hits: Iterable[float]) -> float:
    """The median of hitting times with censored ones (NaN) ranked last, as ``mcm`` computes it;
    NaN when half or more are censored (type 7 interpolation, numpy's default)."""
    h = np.asarray(list(hits), dtype=float)
    n = len(h)
    observed = np.sort(h[~np.isnan(h)])
    if n == 0:
        return math.nan
    pos = 0.5 * (n - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    if hi >= len(observed):
        return math.nan
    return float(observed[lo] + (pos - lo) * (observed[hi] - observed[lo]))


def _hits(values: list) -> np.ndarray:
    """A list of hitting steps with null for censored walkers, as floats with NaN."""
    return np.array([math.nan if v is None else v for v in values], dtype=float)


def _none_nan(x: Any) -> float:
    return math.nan if x is None else float(x)


def _log_overlaps(steps: list, rows: list, walkers: int, units: int) -> Labeled:
    """A sweep point's overlap log, [log step][walkers * K * 3] flat rows, with named axes."""
    values = np.asarray(rows, dtype=float).reshape(len(steps), walkers, units, len(OVERLAP))
    return Labeled(
        values,
        ("log_step", "walker", "unit", "overlap"),
        {"log_step": np.asarray(steps), "overlap": OVERLAP},
    )


def point_entries(points: list) -> list[dict]:
    """One entry per grid point and measured direction: the point's coordinates, its ``d``, the
    ``direction``, ``hits`` (one float per walker, NaN where censored), the censoring ``budget`` (the
    point's step budget: a censored walker's hitting step exceeds it), the median with its interval as
    ``mcm`` reported them, the final overlaps, and the point's overlap log when the file has one."""
    entries = []
    for p in points:
        config = p.get("config", {})
        log = p.get("log")
        overlaps = None
        if log is not None:
            walkers = len(next(iter(p["directions"].values()))["hits"])
            overlaps = _log_overlaps(log["steps"], log["overlaps"], walkers, int(config.get("K", 1)))
        for direction, r in p["directions"].items():
            if r is None:
                continue
            m = r["median"]
            entries.append(
                {
                    "index": p.get("index"),
                    "at": p["at"],
                    "d": int(config.get("d", p["at"].get("d"))),
                    "direction": direction,
                    "hits": _hits(r["hits"]),
                    "budget": int(p["steps"]),
                    "censored": int(m["censored"]),
                    "median": _none_nan(m["median"]),
                    "ci": (_none_nan(m["lo"]), _none_nan(m["hi"])),
                    "final_overlap": np.asarray(r.get("finalOverlap", []), dtype=float),
                    "config": config,
                    "seed": p.get("seed"),
                    "overlaps": overlaps,
                }
            )
    return entries


def _read_csv(path: str) -> dict[str, np.ndarray]:
    """A CSV of numbers as columns (empty cells NaN; a column that is not numeric stays text)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows:
        return {}
    header, body = rows[0], rows[1:]
    out: dict[str, np.ndarray] = {}
    for i, name in enumerate(header):
        cells = [r[i] if i < len(r) else "" for r in body]
        try:
            out[name] = np.array([math.nan if c == "" else float(c) for c in cells])
        except ValueError:
            out[name] = np.array(cells)
    return out


def _read_npz(path: str) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def _run(path: str) -> Record:
    files = set(os.listdir(path))
    out: dict[str, Any] = {}
    raw = None
    if "config.json" in files:
        out["config"] = read_json(os.path.join(path, "config.json"))
    if "summary.json" in files:
        raw = read_json(os.path.join(path, "summary.json"))
        out["summary"] = raw
    if "series.csv" in files:
        out["series"] = _read_csv(os.path.join(path, "series.csv"))
    if "checkpoint.npz" in files:
        cp = _read_npz(os.path.join(path, "checkpoint.npz"))
        out["checkpoint"] = cp
        if "log_overlaps" in cp:
            out["overlaps"] = Labeled(
                cp["log_overlaps"],
                ("log_step", "walker", "unit", "overlap"),
                {"log_step": cp["log_step"], "overlap": OVERLAP},
            )
    for k in ("tool", "version", "build", "schema"):
        if raw is not None and k in raw:
            out.setdefault(k, raw[k])
    return Record("run", path, out, raw)


def _sweep(path: str) -> Record:
    raw = read_json(os.path.join(path, "sweep.json"))
    out = dict(raw)
    out["points"] = point_entries(raw["points"])
    spec = os.path.join(path, "sweep-spec.json")
    if os.path.exists(spec):
        out["sweep_spec"] = read_json(spec)
    csv_path = os.path.join(path, "sweep.csv")
    if os.path.exists(csv_path):
        out["table"] = _read_csv(csv_path)
    return Record("sweep", path, out, raw)


def _demo(path: str) -> Record:
    raw = read_json(os.path.join(path, "demo.json"))
    out = dict(raw)
    regimes = []
    for r in raw["regimes"]:
        regime = dict(r)
        regime["points"] = point_entries(r["points"])
        regime["control"] = dict(r["control"], points=point_entries(r["control"]["points"]))
        regimes.append(regime)
    out["regimes"] = regimes
    return Record("demo", path, out, raw)


def _json_dir(kind: str, main: str, extra: dict[str, str]):
    def reader(path: str) -> Record:
        raw = read_json(os.path.join(path, main))
        out = dict(raw)
        for key, name in extra.items():
            p = os.path.join(path, name)
            if os.path.exists(p):
                out[key] = read_json(p)
        return Record(kind, path, out, raw)

    return reader


_KINDS = [
    ("sweep.json", _sweep),
    ("demo.json", _demo),
    ("generate.json", _json_dir("generate", "generate.json", {})),
    ("diffusion-options.json", _json_dir("diffusion", "result.json", {"options": "diffusion-options.json"})),
    ("images-options.json", _json_dir("images", "result.json", {"options": "images-options.json"})),
    ("summary.json", _run),
    ("config.json", _run),
]


def load(path: str | os.PathLike) -> Record:
    """Loads the output directory of any ``mcm`` command (run or resume, sweep, demo, generate,
    diffusion, images) into a dict-like ``Record``; a single ``.json``, ``.csv`` or ``.npz`` file is
    read as it is (a dict). ``record.kind`` says which command wrote it. docs/outputs.md lists the keys."""
    path = os.fspath(path)
    if os.path.isfile(path):
        if path.endswith(".json"):
            return read_json(path)
        if path.endswith(".csv"):
            return _read_csv(path)
        if path.endswith(".npz"):
            return _read_npz(path)
        raise ValueError(f"{path}: expected an output directory or a .json, .csv or .npz file")
    if not os.path.isdir(path):
        raise FileNotFoundError(f"{path}: no such file or directory")
    files = set(os.listdir(path))
    for marker, reader in _KINDS:
        if marker in files:
            if marker.endswith("-options.json") and "result.json" not in files:
                raise ValueError(f"{path}: the run is not finished (no result.json); resume it with mcm")
            return reader(path)
    if "sweep-spec.json" in files:
        raise ValueError(f"{path}: the sweep is not finished (no sweep.json); continue it with mcm sweep --resume {path}")
    raise ValueError(f"{path}: not an mcm output directory (none of {', '.join(m for m, _ in _KINDS)})")
