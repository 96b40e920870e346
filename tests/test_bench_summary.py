"""bench/summary.py: the targets of the last benchmark runs, read from their JSON files, as Markdown."""

import importlib.util
import json
from pathlib import Path

SUMMARY = Path(__file__).resolve().parent.parent / "bench" / "summary.py"


def _summary_module():
    spec = importlib.util.spec_from_file_location("bench_summary", SUMMARY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(name, database, targets):
    return {
        "benchmark": name,
        "database": database,
        "started": "2026-11-30T19:41:59+00:00",
        "finished": "2026-11-30T19:43:29+00:00",
        "commit": "abc1234",
        "options": {"database_url": None, "keep_db": False, "emails": 2000},
        "load_average_at_start": [1.0, 0.9, 0.85],
        "load_average_at_end": [1.1, 0.9, 0.85],
        "targets": targets,
    }


def test_every_target_of_every_run_is_listed_met_or_not_in_the_benchmarks_order(tmp_path):
    (tmp_path / "tick_send.mysql.json").write_text(
        json.dumps(_run("tick_send", "MariaDB 10.11", [{"target": "plugin ≤ 1.5×", "measured": "3.59×", "met": False}]))
    )
    (tmp_path / "tick_send.json").write_text(
        json.dumps(_run("tick_send", "SQLite 3.40", [{"target": "plugin ≤ 1.5×", "measured": "2.46×", "met": False}]))
    )
    (tmp_path / "bulk.json").write_text(
        json.dumps(_run("bulk", "SQLite 3.40", [{"target": "queries constant", "measured": "12.09", "met": True}]))
    )

    text = _summary_module().summary(tmp_path)

    headings = [line for line in text.splitlines() if line.startswith("### ")]
    assert headings == [
        "### bulk — SQLite 3.40, 2026-11-30 19:41 UTC, commit abc1234",
        "### tick_send — SQLite 3.40, 2026-11-30 19:41 UTC, commit abc1234",
        "### tick_send — MariaDB 10.11, 2026-11-30 19:41 UTC, commit abc1234",
    ]
    assert "- **met** — queries constant: 12.09" in text
    assert "- **NOT MET** — plugin ≤ 1.5×: 3.59×" in text
    assert "Options: `{'emails': 2000}`; load average [1.0, 0.9, 0.85] → [1.1, 0.9, 0.85]; 1.5 min." in text
