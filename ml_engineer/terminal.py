"""What a person sees in a terminal: checkpoint lines, the approval panel, the prompt."""

from __future__ import annotations

import json

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.prompt import Prompt
from rich.table import Table

# soft_wrap: a long line stays one line in a pipe, so a program reading it can parse it.
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)


def show_checkpoint(message: str) -> None:
    out.print(f"[bold green]▸[/] {escape(message)}")


def show_error(message: str, code: int) -> None:
    err.print(Panel(escape(message), title=f"error (exit {code})", border_style="red"))


def show_summary(summary: dict) -> None:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")  # paths and names wrap whole; never cut with an ellipsis
    task = summary["task"] + (
        f" (positive class {summary['positive_class']!r})" if summary.get("positive_class") else ""
    )
    rows = [
        ("task", task),
        ("target", summary["target"]),
        ("primary metric", summary["primary_metric"]),
        ("split", summary["split"]),
        ("model", f"{summary['model']} {json.dumps(summary['model_params'])}"),
        ("kept", f"{len(summary['kept_columns'])}: " + ", ".join(summary["kept_columns"])),
    ]
    for key, value in rows:
        table.add_row(key, escape(str(value)))
    for item in summary["excluded_columns"]:
        table.add_row("excluded", escape(f"{item['column']}: {item['reason']}"))
    table.add_row("validation", escape(summary["validation"]))
    if summary.get("metrics_test"):
        pairs = []
        for name, value in summary["metrics_test"].items():
            base = (summary.get("baseline_test") or {}).get(name)
            pairs.append(f"{name} {_fmt(value)} (baseline {_fmt(base)})")
        table.add_row("test metrics", escape("; ".join(pairs)))
    for risk in summary.get("risks", []):
        table.add_row("risk", escape(risk))
    for name, path in summary["paths"].items():
        table.add_row(name, escape(path))
    out.print(Panel(table, title=escape(summary["question"]), border_style="cyan"))
    if summary.get("stderr_tail"):
        out.print(
            Panel(escape(summary["stderr_tail"]), title="script stderr (tail)", border_style="red")
        )


def ask_decision() -> dict:
    choice = Prompt.ask("Approve the ML design?", choices=["approve", "reject"], default="approve")
    if choice == "approve":
        return {"decision": "approve"}
    reason = Prompt.ask("Reason (optional)", default="")
    return {"decision": "reject", "reason": reason or None}


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)
