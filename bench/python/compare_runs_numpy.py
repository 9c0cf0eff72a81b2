"""The anchor for compare-runs in `npm run bench`: the same comparison written plainly with numpy, on the same
trace folders (index.json + float64 files), printing the verdict counts. Metrics as in docs/traces.md.

Usage: python3 compare_runs_numpy.py TRACE_A TRACE_B RTOL ATOL
"""
import json
import os
import sys

import numpy as np


def load(folder):
    with open(os.path.join(folder, "index.json")) as f:
        index = json.load(f)
    files = {name: np.fromfile(os.path.join(folder, name), dtype="<f8") for name in ("samples.f64", "outputs.f64")}
    return index, files


def values(files, ref):
    return files[ref["file"]][ref["offset"] : ref["offset"] + ref["count"]]


def metrics(a, b, rtol, atol):
    n = min(a.size, b.size)
    a, b = a[:n], b[:n]
    a_nan, b_nan = np.isnan(a), np.isnan(b)
    nan_mismatch = int(np.count_nonzero(a_nan != b_nan))
    finite = np.isfinite(a) & np.isfinite(b)
    inf_mismatch = int(np.count_nonzero(~finite & ~a_nan & ~b_nan & (a != b)))
    x, y = a[finite], b[finite]
    d = np.abs(y - x)
    count = x.size
    outside = int(np.count_nonzero(d > atol + rtol * np.abs(x))) + nan_mismatch + inf_mismatch
    if count == 0:
        return {"count": nan_mismatch + inf_mismatch, "outside": outside, "nan": nan_mismatch, "inf": inf_mismatch}
    a_norm = float(np.sqrt(np.dot(x, x)))
    b_norm = float(np.sqrt(np.dot(y, y)))
    return {
        "count": count + nan_mismatch + inf_mismatch,
        "maxAbs": float(d.max()),
        "meanAbs": float(d.mean()),
        "maxRel": float((d / np.maximum(np.abs(x), atol)).max()),
        "relL2": float(np.sqrt(np.dot(d, d))) / max(a_norm, 5e-324),
        "cosine": 1.0 if a_norm == 0 and b_norm == 0 else float(np.dot(x, y)) / (a_norm * b_norm or 5e-324),
        "outside": outside,
        "nan": nan_mismatch,
        "inf": inf_mismatch,
    }


def main():
    dir_a, dir_b, rtol, atol = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
    (ia, fa), (ib, fb) = load(dir_a), load(dir_b)
    by_key = {}
    seen = {}
    for m in ib["modules"]:
        k = (m["name"], m["step"])
        seen[k] = seen.get(k, 0) + 1
        by_key[(m["name"], seen[k], m["step"])] = m
    seen = {}
    divergent = 0
    compared = 0
    for m in ia["modules"]:
        k = (m["name"], m["step"])
        seen[k] = seen.get(k, 0) + 1
        other = by_key.get((m["name"], seen[k], m["step"]))
        if other is None:
            continue
        if m["inputs"] and other["inputs"]:
            metrics(values(fa, m["inputs"][0]["sample"]), values(fb, other["inputs"][0]["sample"]), rtol, atol)
        for out_a, out_b in zip(m["outputs"], other["outputs"]):
            r = metrics(values(fa, out_a["sample"]), values(fb, out_b["sample"]), rtol, atol)
            compared += 1
            divergent += r["outside"] > 0
    for out_a, out_b in zip(ia["finalOutputs"], ib["finalOutputs"]):
        r = metrics(values(fa, out_a["values"]), values(fb, out_b["values"]), rtol, atol)
        divergent += r["outside"] > 0
    print(json.dumps({"compared": compared, "divergent": divergent}))


if __name__ == "__main__":
    main()
