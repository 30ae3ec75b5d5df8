"""Reads a /metrics scrape on stdin with Prometheus' own Python parser and checks what a
Prometheus server relies on: every sample parses, every family has a type and help, and each
histogram's buckets rise with `le`, end at +Inf and agree with `_count`.

Prints `metrics parsed: N families, M samples` and exits 0, or names the problem and exits 1.
"""

import sys

from prometheus_client.parser import text_string_to_metric_families


def main() -> int:
    text = sys.stdin.read()
    families = list(text_string_to_metric_families(text))
    problems = []
    samples = 0
    for family in families:
        samples += len(family.samples)
        if family.type == "unknown":
            problems.append(f"{family.name}: no TYPE")
        if not family.documentation:
            problems.append(f"{family.name}: no HELP")
        if family.type != "histogram":
            continue
        series = {}
        for sample in family.samples:
            labels = tuple(sorted((k, v) for k, v in sample.labels.items() if k != "le"))
            entry = series.setdefault(labels, {"buckets": [], "count": None})
            if sample.name.endswith("_bucket"):
                entry["buckets"].append((float(sample.labels["le"]), sample.value))
            elif sample.name.endswith("_count"):
                entry["count"] = sample.value
        for labels, entry in series.items():
            buckets = sorted(entry["buckets"])
            if not buckets or buckets[-1][0] != float("inf"):
                problems.append(f"{family.name}{labels}: no +Inf bucket")
                continue
            counts = [count for _, count in buckets]
            if counts != sorted(counts):
                problems.append(f"{family.name}{labels}: buckets do not rise")
            if entry["count"] != buckets[-1][1]:
                problems.append(f"{family.name}{labels}: _count is not the +Inf bucket")
    if problems:
        print("\n".join(problems))
        return 1
    print(f"metrics parsed: {len(families)} families, {samples} samples")
    return 0


if __name__ == "__main__":
    sys.exit(main())
