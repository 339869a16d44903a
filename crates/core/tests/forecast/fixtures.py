"""Expected forecasts, computed independently of Tuijin with numpy and scipy.

Regenerate with (numpy and scipy installed, e.g. in a venv):

    python3 crates/core/tests/forecast/fixtures.py > crates/core/tests/forecast/expected.json

The Rust tests in crates/core/src/forecast/tests.rs read the cases and the expected numbers
from expected.json and compare them with core::forecast, to 1e-6 relative.
"""
import datetime
import json

import numpy as np
from scipy import stats

LEVEL = 0.90

CASES = [
    {
        "name": "metro_km known on 2020-06-30",
        "direction": "increase",
        "targets": [{"year": 2020, "value": 300}],
        "points": [["2013-12-28", 26.2], ["2017-01-31", 93.7], ["2019-09-30", 151.8]],
    },
    {
        "name": "gdp known on 2020-06-30",
        "direction": "increase",
        "targets": [{"year": 2020, "value": 10000}],
        "points": [
            ["2015-12-31", 7315.2],
            ["2016-12-31", 8114],
            ["2017-12-31", 9130.2],
            ["2018-12-31", 10143],
            ["2019-12-31", 11589.7],
        ],
    },
    {
        "name": "a falling figure (PM2.5) against a ceiling",
        "direction": "decrease",
        "targets": [{"year": 2020, "value": 55}, {"year": 2022, "value": 45}],
        "points": [
            ["2015-12-31", 80],
            ["2016-12-31", 72],
            ["2017-12-31", 66],
            ["2018-12-31", 61],
            ["2019-12-31", 58],
        ],
    },
    {
        "name": "a figure below zero: no logarithmic trend",
        "direction": "increase",
        "targets": [{"year": 2021, "value": 20}],
        "points": [
            ["2016-12-31", -5],
            ["2017-12-31", 2],
            ["2018-12-31", 6],
            ["2019-12-31", 14],
        ],
    },
    {
        "name": "quarterly figures, two targets",
        "direction": "increase",
        "targets": [{"year": 2020, "value": 120}, {"year": 2021, "value": 160}],
        "points": [
            ["2018-03-31", 40],
            ["2018-06-30", 47],
            ["2018-09-30", 50],
            ["2018-12-31", 58],
            ["2019-03-31", 61],
            ["2019-06-30", 70],
        ],
    },
]


def years(day):
    d = datetime.date.fromisoformat(day)
    return 2000.0 + (d - datetime.date(2000, 1, 1)).days / 365.25


def fit(t, y, log):
    z = np.log(y) if log else np.asarray(y, dtype=float)
    slope, intercept = np.polyfit(t, z, 1)
    fitted = intercept + slope * t
    n = len(t)
    ss_res = float(np.sum((z - fitted) ** 2))
    ss_tot = float(np.sum((z - z.mean()) ** 2))
    back = np.exp(fitted) if log else fitted
    return {
        "model": "log_linear" if log else "linear",
        "intercept": float(intercept),
        "slope": float(slope),
        "residual_sd": float(np.sqrt(ss_res / (n - 2))),
        "r_squared": 1.0 - ss_res / ss_tot,
        "sse": float(np.sum((np.asarray(y) - back) ** 2)),
        "_mean_t": float(t.mean()),
        "_sxx": float(np.sum((t - t.mean()) ** 2)),
        "_n": n,
        "_log": log,
    }


def project(f, t0, target, direction, tq, dof):
    se = f["residual_sd"] * np.sqrt(1 + 1 / f["_n"] + (t0 - f["_mean_t"]) ** 2 / f["_sxx"])
    mid = f["intercept"] + f["slope"] * t0
    back = np.exp if f["_log"] else (lambda v: v)
    goal = np.log(target) if f["_log"] else target
    z = (goal - mid) / se
    p = 1 - stats.t.cdf(z, dof) if direction == "increase" else stats.t.cdf(z, dof)
    return float(back(mid)), float(back(mid - tq * se)), float(back(mid + tq * se)), float(p)


out = []
for case in CASES:
    t = np.array([years(d) for d, _ in case["points"]])
    y = [v for _, v in case["points"]]
    fits = [fit(t, y, False)]
    if all(v > 0 for v in y):
        fits.append(fit(t, y, True))
    best = min(fits, key=lambda f: f["sse"])  # the first (linear) on a tie
    dof = len(t) - 2
    tq = float(stats.t.ppf(0.5 + LEVEL / 2, dof))
    last = max(d for d, _ in case["points"])
    projections = []
    for target in case["targets"]:
        on = f"{target['year']}-12-31"
        if on <= last:
            continue
        value, low, high, p = project(best, years(on), target["value"], case["direction"], tq, dof)
        projections.append(
            {"year": target["year"], "value": value, "low": low, "high": high, "probability": p}
        )
    out.append(
        {
            "case": case,
            "chosen": best["model"],
            "fits": [{k: v for k, v in f.items() if not k.startswith("_")} for f in fits],
            "t_quantile": tq,
            "projections": projections,
        }
    )

print(json.dumps(out, indent=1, ensure_ascii=False))
