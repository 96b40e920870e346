"""
Every target of the last runs, from ``bench/results/*.json``, as Markdown: the "Results (last run)" part of
``bench/README.md`` is this script's output (``.venv/bin/python bench/summary.py``), with the prose on
the targets not met written beside it.
"""

import json
import sys
from datetime import datetime
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
ORDER = ("bulk", "tick_claim", "tick_send", "tick_workers", "staff_list", "banner", "tick_history")


def _order(path):
    name = path.name.removesuffix(".json").removesuffix(".mysql")
    return (ORDER.index(name) if name in ORDER else len(ORDER), name, path.name.endswith(".mysql.json"))


def summary(results_dir=RESULTS_DIR):
    lines = []
    for path in sorted(results_dir.glob("*.json"), key=_order):
        run = json.loads(path.read_text(encoding="utf-8"))
        options = {key: value for key, value in run["options"].items() if key not in ("database_url", "keep_db")}
        lines += [
            f"### {run['benchmark']} — {run['database']}, {run['started'][:16].replace('T', ' ')} UTC, "
            f"commit {run['commit']}",
            "",
            f"Options: `{options}`; load average {run['load_average_at_start']} → {run['load_average_at_end']}; "
            f"{_minutes(run)}.",
            "",
        ]
        lines += [f"- **{'met' if t['met'] else 'NOT MET'}** — {t['target']}: {t['measured']}" for t in run["targets"]]
        lines.append("")
    return "\n".join(lines)


def _minutes(run):
    seconds = (datetime.fromisoformat(run["finished"]) - datetime.fromisoformat(run["started"])).total_seconds()
    return f"{seconds / 60:.1f} min"


if __name__ == "__main__":
    sys.stdout.write(summary(Path(sys.argv[1]) if len(sys.argv) > 1 else RESULTS_DIR))
