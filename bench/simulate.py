"""Benchmark: `byline simulate` (one scan for every step) against one `evaluate` per step.

For each size (1M and 10M accounts by default) it takes the synthetic Weibo snapshot that
bench/evaluate.py generates and caches under bench/.cache/, then runs, each in a fresh process:

- one-pass: the what-if of --steps thresholds (100,000 to 2,000,000 by default) in one scan,
            the counts only (``service.what_if``: no chart, no files);
- per-step: the same counts as --steps separate evaluations (``engine.evaluate`` with each
            step's policy), each writing its outputs as `byline evaluate` does.

Both import the same modules before their clock starts. It checks the two give the same count
at every step and prints seconds, accounts/s, peak RSS and the ratio per-step/one-pass.
Nothing here asserts a time: these machines are noisy.

    python bench/simulate.py                    # 1M and 10M
    python bench/simulate.py --sizes 100k --steps 20
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from evaluate import parse_size, snapshot_for  # the cached snapshots

POLICY = "weibo"
VARY = "threshold=100000..2000000"


def work_one_pass(snapshot: Path, out: Path, steps: int) -> dict[str, object]:
    from byline.service import what_if

    result = what_if(snapshot, [POLICY], vary=VARY, steps=steps)
    return {"required": [result.total(v) for v in result.values], "steps": dict(result.seconds)}


def work_per_step(snapshot: Path, out: Path, steps: int) -> dict[str, object]:
    from byline.engine import evaluate
    from byline.policy import load_policy
    from byline.service.whatif import last_phase, parse_vary, varied

    policy = load_policy(POLICY)
    vary = parse_vary(VARY)
    day = last_phase([policy])
    required = []
    for i, value in enumerate(vary.values(steps)):
        step = varied(policy, vary.variable, value)
        required.append(evaluate(snapshot, step, day, out / f"step-{i}").summary.required)
    return {"required": required}


WORKERS = {"one-pass": work_one_pass, "per-step": work_per_step}
# Imported before a worker's clock starts (the service floor's face pulls in the web stack).
IMPORTS = ("byline.service", "byline.engine", "byline.policy", "byline.service.whatif")


def run_worker(name: str, snapshot: Path, steps: int) -> dict[str, object]:
    """Run one worker in a fresh process; its result with seconds and peak RSS."""
    with tempfile.TemporaryDirectory() as tmp, (Path(tmp) / "stdout").open("w+") as stdout:
        argv = [sys.executable, __file__, "--worker", name, "--snapshot", str(snapshot)]
        proc = subprocess.Popen([*argv, "--out", tmp, "--steps", str(steps)], stdout=stdout)
        _, status, usage = os.wait4(proc.pid, 0)
        stdout.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            return {"error": f"exit {os.waitstatus_to_exitcode(status)}"}
        result: dict[str, object] = json.loads(stdout.read().splitlines()[-1])
        result["peak_mib"] = usage.ru_maxrss / 1024  # Linux reports KiB
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1M,10M", help="comma-separated: 100k,1M,10M")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--snapshot", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        import importlib

        for module in IMPORTS:
            importlib.import_module(module)
        started = time.perf_counter()
        result = WORKERS[args.worker](args.snapshot, args.out, args.steps)
        result["seconds"] = time.perf_counter() - started
        print(json.dumps(result))
        return
    print(f"{'accounts':>12} {'job':<9} {'seconds':>8} {'accounts/s':>12} {'peak MiB':>9}")
    for accounts in (parse_size(s) for s in args.sizes.split(",")):
        snapshot = snapshot_for(accounts)
        results = {name: run_worker(name, snapshot, args.steps) for name in WORKERS}
        for name, r in results.items():
            if "error" in r:
                print(f"{accounts:>12,} {name:<9} {r['error']}")
                continue
            seconds = float(r["seconds"])  # type: ignore[arg-type]
            print(
                f"{accounts:>12,} {name:<9} {seconds:>8.2f} {accounts / seconds:>12,.0f} "
                f"{float(r['peak_mib']):>9.0f}"  # type: ignore[arg-type]
            )
        one, each = results["one-pass"], results["per-step"]
        if "error" not in one and "error" not in each:
            same = one["required"] == each["required"]
            ratio = float(each["seconds"]) / float(one["seconds"])  # type: ignore[arg-type]
            print(
                f"{accounts:>12,} {args.steps} steps: per-step / one-pass = {ratio:.1f}x; "
                f"the same counts at every step: {'yes' if same else 'NO'}"
            )
            if not same:
                print(f"  one-pass {one['required']}\n  per-step {each['required']}")


if __name__ == "__main__":
    main()
