#!/usr/bin/env python3
"""Summarizes a Stryker mutation-report.json (mutation-testing-elements schema) as a Markdown table."""
import json
import sys
from collections import Counter
from datetime import datetime, timezone

report_path, out_path = sys.argv[1], sys.argv[2]
with open(report_path, encoding="utf-8") as f:
    report = json.load(f)

counts = Counter()
survivors = []
for name, file in sorted(report["files"].items()):
    short = name.split("src/FfmpegApi.Media/")[-1]
    for m in file["mutants"]:
        counts[m["status"]] += 1
        if m["status"] in ("Survived", "NoCoverage"):
            loc = m["location"]["start"]
            survivors.append((short, loc["line"], m["mutatorName"], m.get("replacement", "").replace("\n", " ")[:80], m["status"]))

detected = counts["Killed"] + counts["Timeout"]
valid = detected + counts["Survived"] + counts["NoCoverage"]
score = 100.0 * detected / valid if valid else 0.0
lines = [
    "# Mutation testing (Stryker.NET) — FfmpegApi.Media",
    "",
    f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC. Score **{score:.1f} %** (killed + timeout ÷ valid mutants; goal ≥ 70 %).",
    "",
    "| status | mutants |",
    "|---|---|",
]
lines += [f"| {status} | {n} |" for status, n in sorted(counts.items())]
lines += ["", "## Surviving and uncovered mutants", "", "| file | line | mutator | replacement | status |", "|---|---|---|---|---|"]
lines += [f"| {f} | {l} | {mut} | `{rep}` | {st} |" for f, l, mut, rep, st in survivors]
with open(out_path, "w", encoding="utf-8") as f:
    f.write("\n".join(lines) + "\n")
print(f"mutation score {score:.1f} % ({detected}/{valid})")
