"""Prompt size per LLM request, per node, on a 20-column and a 2,000-column profile.

    .venv/bin/python benchmarks/llm_tokens.py [--columns 20 2000]

The real ChatOpenAI client talks to the local scripted server of the tests (no key, no
internet), which counts every request body it receives. The scripted model is a greedy
reader: in each node it reads everything it may (overview, the planner's recommendation, page
after page of columns, a column's full profile, both analyst documents) before it proposes,
so the figures are the worst case within the loop's turn limit. It reads at most MAX_TURNS - 1
times, so its last call, the write with every read result in it, is always made and measured;
every node must end "accepted" (checked from the run's `llm_usage`). Tokens are estimated as
characters / 4. Target (issue 4): no single request over 12,000 tokens (48,000 characters)
at 2,000 columns.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the scripted server and the wide-profile builder

from langgraph.checkpoint.memory import InMemorySaver  # noqa: E402
from langgraph.types import Command  # noqa: E402
from openai_stub import StubOpenAI, text, tool_call  # noqa: E402
from upstream_builders import wide_upstream  # noqa: E402

from ml_engineer import build_graph, initial_state  # noqa: E402
from ml_engineer.agents.chat_model import make_chat_model, model_settings  # noqa: E402
from ml_engineer.agents.tool_loop import MAX_TURNS  # noqa: E402
from ml_engineer.graphs.state import Context  # noqa: E402

MAX_REQUEST_CHARS = 48_000
READ_TURNS = MAX_TURNS - 1  # the last turn is the write: a reader that used it would never write
_FEATURE_DOCS = [("column_profile", {"name": "churned"}), ("read_eda_report", {}),
                 ("read_schema_suggestion", {})]  # fmt: skip
READS = {  # per write tool: what the greedy reader asks for before it writes
    "write_feature_spec": [("overview", {}), ("planner_recommendation", {})]
    + [("list_columns", {"offset": 40 * i}) for i in range(max(0, READ_TURNS - 2 - 3))]
    + _FEATURE_DOCS,
    "write_training_plan": [("design_summary", {}), ("planned_experiment", {})],
    "write_experiment_config": [("design_summary", {}), ("planned_experiment", {})],
    "write_deployment_config": [("design_summary", {})],
    "write_monitoring_plan": [("design_summary", {})],
    "write_retrain_schedule": [("design_summary", {})],
}  # fmt: skip
PROPOSALS = {
    "write_feature_spec": {"summary": "The planner's design stands."},
    "write_training_plan": {"model_type": "hist_gradient_boosting", "reason": "tabular"},
    "write_experiment_config": {"reason": "the planner's metrics fit"},
    "write_deployment_config": {"replicas_min": 2, "reason": "steady traffic"},
    "write_monitoring_plan": {"label_delay_days": 30, "reason": "churn is known a month later"},
    "write_retrain_schedule": {"schedule": "monthly", "reason": "monthly labels"},
}


class GreedyReader:
    def __init__(self):
        self.turn: dict[str, int] = defaultdict(int)

    def __call__(self, body: dict):
        write = write_tool(body)
        turn = self.turn[write]
        self.turn[write] += 1
        reads = READS.get(write, [])[:READ_TURNS]
        if turn < len(reads):
            return tool_call(*reads[turn])
        if write in PROPOSALS:
            return tool_call(write, PROPOSALS[write])
        return text("fine")


def write_tool(body: dict) -> str:
    names = [t["function"]["name"] for t in body.get("tools", [])]
    return next((n for n in names if n.startswith("write_")), "?")


def measure(columns: int, root: Path) -> tuple[dict[str, list[int]], list[dict]]:
    """Request sizes per write tool, and the run's `llm_usage` rows (one per agent run)."""
    data_dir = wide_upstream(root, columns)
    reader = GreedyReader()
    with StubOpenAI() as server:
        server.responder = reader
        env = {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "sk-benchmark"}
        llm = make_chat_model(model_settings("stub-model", env=env))
        graph = build_graph(checkpointer=InMemorySaver())
        config = {"configurable": {"thread_id": "benchmark"}}
        context = Context(validate=False, llm=llm)
        graph.invoke(initial_state(data_dir), config, context=context)
        # On to the mlops stage.
        final = graph.invoke(Command(resume="approve"), config, context=context)
    sizes: dict[str, list[int]] = defaultdict(list)
    for request in server.requests:  # the bodies exactly as the server received them
        sizes[write_tool(request.body)].append(request.raw_chars)
    return sizes, list(final.get("llm_usage", []))


def not_accepted(usage: list[dict]) -> list[str]:
    """Each agent run that did not end with its write accepted: then its write, the largest
    request, was not measured, and the figures are not the worst case."""
    return [f"{u['node']}: {u['outcome']}" for u in usage if u.get("outcome") != "accepted"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--columns", type=int, nargs="+", default=[20, 2000])
    args = parser.parse_args()
    print(f"{'columns':>7}  {'node (write tool)':<26}{'requests':>9}{'max chars':>11}"
          f"{'max tokens':>11}{'all prompt tokens':>18}")  # fmt: skip
    worst, failures = 0, []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.columns:
            measured, usage = measure(n, Path(tmp) / str(n))
            for node, sizes in measured.items():
                worst = max(worst, max(sizes)) if n >= 2000 else worst
                print(f"{n:>7}  {node:<26}{len(sizes):>9}{max(sizes):>11,}"
                      f"{max(sizes) // 4:>11,}{sum(sizes) // 4:>18,}")  # fmt: skip
            failures += [f"{n} columns, {line}" for line in not_accepted(usage)]
            print(f"{n:>7}  every node accepted: {'yes' if not not_accepted(usage) else 'NO'} "
                  f"({len(usage)} agent runs)")  # fmt: skip
    verdict = "ok" if worst <= MAX_REQUEST_CHARS else "OVER"
    print(f"largest request at 2,000 columns: {worst:,} characters "
          f"(target ≤ {MAX_REQUEST_CHARS:,}): {verdict}")  # fmt: skip
    if failures:
        raise SystemExit(
            "not accepted, so the write request was not measured: " + "; ".join(failures)
        )


if __name__ == "__main__":
    main()
