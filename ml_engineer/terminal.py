"""What a person sees in a terminal: checkpoint lines, the target question and the approval
panel, the prompts."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.prompt import Prompt
from rich.syntax import Syntax
from rich.table import Table

# soft_wrap: a long line stays one line in a pipe, so a program reading it can parse it.
out = Console(highlight=False, soft_wrap=True)
human_out = out  # `out` again after a --json command (json_events.disable)
err = Console(stderr=True, highlight=False)

ARTIFACTS = {
    "spec": "feature-spec.md", "feature-spec": "feature-spec.md",
    "feature-spec.md": "feature-spec.md", "script": "training_script.py",
    "training_script.py": "training_script.py", "config": "experiment-config.yaml",
    "experiment-config.yaml": "experiment-config.yaml",
}  # fmt: skip
TARGET_HELP = "Answer with a number, or the name of any column of the profile."
PROMPT_HELP = (
    "Answer: approve | revise <what to change> | reject [reason] | show spec|script|config\n"
    "  e.g. revise drop customer_id and optimise F1; time split on order_date; use lightgbm"
)


def show_checkpoint(message: str) -> None:
    out.print(f"[bold green]▸[/] {escape(message)}")


def show_error(message: str, code: int) -> None:
    err.print(Panel(escape(message), title=f"error (exit {code})", border_style="red"))


def titled(content, title: str) -> Panel:
    """A panel whose title is never cut at the terminal's edge: a title too long for the top
    border is printed whole above the panel, and the border keeps its first sentence."""
    room = out.width - 6  # the corners, the spaces around the title and a little border
    if len(title) > room:
        out.print(f"[bold]{escape(title)}[/]")
        first = title.split(". ", 1)[0].rstrip(".")
        title = first if len(first) <= room else first[: room - 1] + "…"
    return Panel(content, title=escape(title), border_style="cyan")


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
        ("data", summary.get("dataset") or "none found: the script was not run"),
        ("model", f"{summary['model']} {json.dumps(summary['model_params'])}"),
    ]
    if summary.get("search"):  # beside the model: what it was chosen over, and on what scores
        rows.append(("model search", summary["search"]))
    rows.append(("kept", _names(summary["kept_columns"])))
    if summary.get("derived_features"):
        rows.append(("derived", "; ".join(summary["derived_features"])))
    for key, value in rows:
        table.add_row(key, escape(str(value)))
    excluded = summary["excluded_columns"]
    for item in excluded[:15]:
        table.add_row("excluded", escape(f"{item['column']}: {item['reason']}"))
    if len(excluded) > 15:
        table.add_row("excluded", f"and {len(excluded) - 15} more (see feature-spec.md)")
    table.add_row("validation", escape(summary["validation"]))
    if summary.get("metrics_test"):
        pairs = []
        for name, value in summary["metrics_test"].items():
            base = (summary.get("baseline_test") or {}).get(name)
            pairs.append(f"{name} {_fmt(value)} (baseline {_fmt(base)})")
        table.add_row("test metrics", escape("; ".join(pairs)))
    if summary.get("top_inputs"):
        table.add_row("top inputs", escape("; ".join(summary["top_inputs"])))
    if isinstance(summary.get("too_good"), dict):  # --yes did not approve: say why, loudly
        table.add_row("[bold red]too good?[/]", f"[red]{escape(summary['too_good']['warning'])}[/]")
    for line in summary.get("groups") or []:
        table.add_row("per group", escape(line))
    for risk in summary.get("risks", []):
        table.add_row("risk", escape(risk))
    if summary.get("revision"):
        acted = "; ".join(summary.get("last_feedback_acted") or []) or "nothing changed"
        table.add_row(f"revision {summary['revision']}", escape(acted))
        for item in summary.get("last_feedback_not_understood") or []:
            table.add_row("not understood", escape(f"{item} (recorded in the spec's notes)"))
    for row in summary.get("llm_usage") or []:
        table.add_row(
            f"LLM {row['node']}",
            escape(
                f"{row['model']}: {row['calls']} call(s), {row['input_tokens']:,} in / "
                f"{row['output_tokens']:,} out tokens; {row['outcome']}"
            ),
        )
    if summary.get("llm_cost_usd") is not None:
        table.add_row("LLM cost", f"${summary['llm_cost_usd']:.4f}")
    for name, path in summary["paths"].items():
        table.add_row(name, escape(path))
    out.print(titled(table, summary["question"]))
    if summary.get("stderr_tail"):
        out.print(
            Panel(escape(summary["stderr_tail"]), title="script stderr (tail)", border_style="red")
        )


def ask_decision(summary: dict) -> dict:
    """Prompt until the answer is approve, revise or reject; `show` prints an artifact."""
    out.print(escape(PROMPT_HELP))
    while True:
        # No default: nothing is handed off until a person types an answer.
        text = Prompt.ask("Your decision").strip()
        if not text:
            continue
        word, _, rest = text.partition(" ")
        word = word.lower()
        if word in {"approve", "a", "yes", "y"} and not rest:
            return {"decision": "approve"}
        if word in {"reject", "no", "n"}:
            return {"decision": "reject", "reason": rest.strip() or None}
        if word in {"revise", "r"}:
            feedback = rest.strip() or Prompt.ask("What should change?").strip()
            if feedback:
                return {"decision": "revise", "feedback": feedback}
            continue
        if word == "show":
            _show_artifact(summary, rest.strip().lower())
            continue
        out.print(f"Not understood: {escape(text)!r}. {escape(PROMPT_HELP)}")


def show_target_question(question, *, again: bool = False, hint: str = TARGET_HELP) -> None:
    """The goal's candidate targets, numbered, then `hint` (how to answer); after a refused
    answer, only why it was refused.

    `question` is a graphs.target_question.TargetQuestion. Column names and reasons come from
    the data: escaped, never read as markup."""
    if again and question.note:
        out.print(f"[yellow]{escape(question.note)}[/]")
        return
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold", no_wrap=True, justify="right")
    table.add_column(overflow="fold")
    table.add_column(overflow="fold", style="dim")
    for number, candidate in enumerate(question.candidates, 1):
        table.add_row(f"{number}.", escape(candidate.column), escape(candidate.reason))
    if question.note:
        out.print(f"[yellow]{escape(question.note)}[/]")
    out.print(titled(table, question.text))
    out.print(escape(hint))


def ask_target() -> str:
    """A number or a column name (not empty); the graph checks it and asks again if needed."""
    while True:
        text = Prompt.ask("Which column should the model predict?").strip()
        if text:
            return text


def _show_artifact(summary: dict, which: str) -> None:
    name = ARTIFACTS.get(which)
    path = summary["paths"].get(name) if name else None
    if path is None or not Path(path).is_file():
        out.print("Show what? spec, script or config.")
        return
    text = Path(path).read_text(encoding="utf-8")
    lexer = {".md": "markdown", ".py": "python", ".yaml": "yaml"}[Path(path).suffix]
    out.print(Panel(Syntax(text, lexer, word_wrap=True), title=escape(path)))


def show_status(thread_id: str, snapshot, stage: str, *, resume_command: str) -> None:
    values = snapshot.values or {}
    if not values:
        out.print(f"Thread {thread_id}: no saved state.")
        return
    choosing = stage == "waiting" and bool(values.get("target_question"))
    stands = {
        "waiting": _target_wait(values["target_question"]) if choosing else "waiting for approval",
        "approved": f"approved and handed off: {values.get('handoff')}",
        "rejected": "rejected; nothing was handed off",
        "interrupted": "stopped before "
        + (", ".join(snapshot.next) or "the next step")
        + " (interrupted); resume to continue",
    }[stage]
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    table.add_row("thread", escape(thread_id))
    table.add_row("stands", escape(stands))
    table.add_row("revisions", str(len(values.get("revisions") or [])))
    for name, path in (values.get("written") or {}).items():
        table.add_row(name, escape(path))
    for line in (values.get("log") or [])[-5:]:
        table.add_row("log", escape(line))
    if choosing:
        table.add_row("next", escape(f"{resume_command} --target COLUMN"))
    elif stage in ("waiting", "interrupted"):
        table.add_row("next", escape(f"{resume_command} [--approve | --revise ... | --reject ...]"))
    out.print(Panel(table, title=f"status of {escape(values.get('slug', thread_id))}"))


def _target_wait(question: dict) -> str:
    from ml_engineer.graphs.target_question import TargetQuestion

    names = TargetQuestion.model_validate(question).numbered()
    return f"waiting for a target choice: which column to predict ({names})"


def show_history(thread_id: str, history: list) -> None:
    """Oldest first: each checkpoint with the node that had just finished and the one due next."""
    rows = []
    finished = "(input)"
    for snapshot in history:
        due = ", ".join(snapshot.next) or "(end)"
        if any(task.interrupts for task in snapshot.tasks):
            due += " (waiting for a person)"
        rows.append((
            str((snapshot.metadata or {}).get("step", "")),
            finished,
            due,
            str(snapshot.created_at or "")[:19].replace("T", " "),
            snapshot.config["configurable"].get("checkpoint_id", ""),
        ))  # fmt: skip
        finished = ", ".join(snapshot.next) or "(end)"
    if not out.is_terminal:  # a pipe gets one plain line per checkpoint, easy to grep
        print(f"checkpoints of {thread_id}: step | finished | next | saved at | checkpoint id")
        for row in rows:
            print(" | ".join(row))
        return
    table = Table(title=f"checkpoints of {escape(thread_id)}")
    for column in ("step", "finished", "next", "saved at", "checkpoint id"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*map(escape, row))
    out.print(table)


def _names(names: list[str], limit: int = 25) -> str:
    shown = ", ".join(names[:limit])
    more = f" and {len(names) - limit} more (see feature-spec.md)" if len(names) > limit else ""
    return f"{len(names)}: {shown}{more}"


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)
