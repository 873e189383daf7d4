"""The MLOps stage's LLM agents, with a fake chat model: what a user sees in the deliverables."""

from __future__ import annotations

import pytest
import yaml
from conftest import EXAMPLES, copy_upstream
from fake_chat import ToolCallingFake, call, fake, prose
from langchain_core.messages import ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from pydantic import Field

from ml_engineer import build_graph, initial_state
from ml_engineer.agents.usage import Budget
from ml_engineer.graphs.mlops import build_mlops_graph
from ml_engineer.graphs.state import Context

NO_CHECK = Context(validate=False)
FILES = ("deployment-config.yaml", "monitoring-spec.md", "retrain-pipeline.md")
DEPLOY = "write_deployment_config"
MONITOR = "write_monitoring_plan"
RETRAIN = "write_retrain_schedule"
MLOPS_NODES = ["deployment_config_writer", "monitoring_dashboard_spec", "retrain_pipeline_spec"]


@pytest.fixture(scope="module")
def approved(tmp_path_factory):
    """The approved design of the bundled example, as the mlops stage receives it."""
    data_dir = copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path_factory.mktemp("design"))
    graph = build_graph(checkpointer=InMemorySaver(), mlops=None)
    config = {"configurable": {"thread_id": "design"}}
    graph.invoke(initial_state(data_dir), config, context=NO_CHECK)
    return graph.invoke(Command(resume="approve"), config, context=NO_CHECK)


def run_stage(approved, root, llm=None):
    """The mlops subgraph on the approved design, writing under root; (final state, files)."""
    state = {**approved, "ml_dir": str(root / "ui-benefit-claims" / "ml")}
    final = build_mlops_graph().invoke(state, context=Context(validate=False, llm=llm))
    mlops = root / "ui-benefit-claims" / "mlops"
    return final, {name: (mlops / name).read_text() for name in FILES}


@pytest.fixture(scope="module")
def planner(approved, tmp_path_factory):
    """The deliverables without an agent."""
    return run_stage(approved, tmp_path_factory.mktemp("planner"))[1]


def deploy_args(**change):
    sizes = {"replicas_min": 3, "replicas_max": 12, "cpu": "2", "memory": "2Gi"}
    limits = {"request_timeout_ms": 500, "max_batch_rows": 5000}
    return {**sizes, **limits, "reason": "Claims come in daily bursts.", **change}


def monitor_args(**change):
    return {
        "watch_first": ["joblost", "tenure"],
        "label_delay_days": 30,
        "extra_panels": ["Claims scored per state office, week over week"],
        "reason": "Layoff reasons and tenure move first when the economy turns.",
        **change,
    }


def retrain_args(**change):
    return {
        "schedule": "quarterly",
        "min_new_labelled_rows": 2000,
        "reason": "Benefit rules change by quarter.",
        **change,
    }


def alert_table(monitoring_md: str) -> str:
    return monitoring_md.split("## Metrics")[1].split("Quality metrics")[0]


def drift_rows(monitoring_md: str) -> list[str]:
    table = monitoring_md.split("## Drift baselines")[1].split("## Predictions")[0]
    return [line for line in table.splitlines() if line.startswith("| `")]


def test_accepted_proposals_change_the_deliverables_and_say_who_chose(approved, planner, tmp_path):
    llm = fake(call(DEPLOY, deploy_args()), call(MONITOR, monitor_args()),
               call(RETRAIN, retrain_args()))  # fmt: skip
    final, files = run_stage(approved, tmp_path, llm)

    deployment = yaml.safe_load(files["deployment-config.yaml"])
    autoscale = deployment["resources"]["autoscale"]
    assert (autoscale["min"], autoscale["max"], deployment["resources"]["replicas"]) == (3, 12, 3)
    assert deployment["resources"]["cpu"] == "2" and deployment["resources"]["memory"] == "2Gi"
    assert deployment["service"]["request_timeout_ms"] == 500
    assert deployment["service"]["max_batch_rows"] == 5000
    assert (
        "\n# Chosen by the LLM agent (fake-model): Claims come in daily bursts.\n"
        in files["deployment-config.yaml"]
    )
    # What the design computed stays computed.
    before = yaml.safe_load(planner["deployment-config.yaml"])
    assert deployment["input_schema"] == before["input_schema"]
    assert deployment["model"] == before["model"]

    monitoring = files["monitoring-spec.md"]
    drift = drift_rows(monitoring)
    assert drift[0].startswith("| `joblost`") and drift[1].startswith("| `tenure`")
    assert sorted(drift) == sorted(drift_rows(planner["monitoring-spec.md"]))  # only reordered
    assert "arrives about a month after the prediction (30 days)" in monitoring
    assert "Drift: PSI per feature, first `joblost`, `tenure`, then the top 20" in monitoring
    assert "6. Claims scored per state office, week over week" in monitoring
    assert "Chosen by the LLM agent (fake-model): Layoff reasons and tenure" in monitoring
    assert alert_table(monitoring) == alert_table(planner["monitoring-spec.md"])  # as computed

    retrain = files["retrain-pipeline.md"]
    assert (
        "- Schedule: quarterly, on the newest labelled data, once at least 2,000 new labelled "
        "rows have arrived" in retrain
    )
    assert "Chosen by the LLM agent (fake-model): Benefit rules change by quarter." in retrain
    assert retrain.split("## Steps")[1] == planner["retrain-pipeline.md"].split("## Steps")[1]

    assert [u["node"] for u in final["llm_usage"]] == MLOPS_NODES
    assert {u["outcome"] for u in final["llm_usage"]} == {"accepted"}


def test_a_column_that_does_not_exist_is_refused_and_the_correction_taken(approved, tmp_path):
    llm = fake(
        prose("The deployment looks fine."), prose("Still fine."),  # deployment: planner
        call(MONITOR, monitor_args(watch_first=["joblots", "bluecol"])),
        call(MONITOR, monitor_args(watch_first=["joblost"])),
        prose("Monthly is fine."), prose("Monthly."),  # retrain: planner
    )  # fmt: skip
    final, files = run_stage(approved, tmp_path, llm)

    refusal = next(m for m in llm.seen[3] if isinstance(m, ToolMessage)).content
    assert "no input column 'joblots'. Did you mean 'joblost'?" in refusal
    assert "`bluecol` is not an input of the model" in refusal
    log = "\n".join(final["mlops_log"])
    assert "monitoring_dashboard_spec: refused write_monitoring_plan" in log
    assert "monitoring_dashboard_spec: the corrected write_monitoring_plan was accepted." in log
    assert drift_rows(files["monitoring-spec.md"])[0].startswith("| `joblost`")
    usage = {u["node"]: u for u in final["llm_usage"]}
    assert usage["monitoring_dashboard_spec"]["outcome"] == "accepted after 1 refusal(s)"


def test_a_batch_that_does_not_fit_keeps_the_planners_size_after_the_bounded_refusals(
    approved, planner, tmp_path
):
    too_big = deploy_args(max_batch_rows=1_000_000, memory="512Mi")
    llm = fake(*(call(DEPLOY, too_big) for _ in range(3)))
    _, files = run_stage(approved, tmp_path, llm)
    deployment = yaml.safe_load(files["deployment-config.yaml"])
    planned = yaml.safe_load(planner["deployment-config.yaml"])
    assert deployment["service"]["max_batch_rows"] == planned["service"]["max_batch_rows"]
    assert deployment["resources"]["memory"] == planned["resources"]["memory"]
    assert deployment["resources"]["autoscale"]["max"] == 12  # the valid parts are taken
    text = files["deployment-config.yaml"]
    assert "# Not taken from the LLM agent's write_deployment_config: a batch of 1,000,000" in text
    assert "# Chosen by the LLM agent (fake-model)" in text


def test_a_model_answering_in_prose_leaves_the_planners_deliverables(approved, planner, tmp_path):
    llm = fake(*(prose("Everything looks reasonable to me.") for _ in range(6)))
    final, files = run_stage(approved, tmp_path, llm)
    # The planner's deliverables, each saying why its agent did not decide, and nothing else.
    for name, text in files.items():
        assert "did not decide (the model answered in prose" in " ".join(text.split()), name
        if name.endswith(".yaml"):
            assert yaml.safe_load(text) == yaml.safe_load(planner[name]), name
        else:
            kept = [line for line in text.splitlines() if "did not decide" not in line]
            assert "\n".join(kept).split() == planner[name].split(), name
    prose_notice = "LLM fallback: the model answered in prose without calling"
    assert sum(prose_notice in line for line in final["mlops_log"]) == 3
    assert [u["node"] for u in final["llm_usage"]] == MLOPS_NODES
    assert all(u["outcome"].startswith("planner: ") for u in final["llm_usage"])


class Routed(ToolCallingFake):
    """A fake that answers each node's agent by the write tool it was given; prose otherwise."""

    scripts: dict[str, list] = Field(default_factory=dict)
    prose_tokens: tuple[int, int] = (100, 20)

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        self.seen.append(list(messages))
        write = self.tools[-1]["function"]["name"] if self.tools else ""
        queue = self.scripts.get(write) or []
        reply = queue.pop(0) if queue else prose("Nothing to change.", tokens=self.prose_tokens)
        return ChatResult(generations=[ChatGeneration(message=reply)])


def routed(prose_tokens=(100, 20), **scripts) -> Routed:
    return Routed(messages=iter(()), scripts=scripts, prose_tokens=prose_tokens)


def run_graph(tmp_path, context):
    data_dir = copy_upstream(EXAMPLES / "ui-benefit-claims", tmp_path)
    graph = build_graph(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "agents"}}
    paused = graph.invoke(initial_state(data_dir), config, context=context)
    assert "__interrupt__" in paused
    final = graph.invoke(Command(resume="approve"), config, context=context)
    return final, data_dir.parent / "mlops"


def test_the_whole_graph_runs_the_mlops_agents_and_records_their_usage_once(tmp_path):
    llm = routed(**{DEPLOY: [call(DEPLOY, deploy_args())], MONITOR: [call(MONITOR, monitor_args())],
                    RETRAIN: [call(RETRAIN, retrain_args())]})  # fmt: skip
    final, mlops = run_graph(tmp_path, Context(validate=False, llm=llm))
    assert final["report_handoff"].startswith("/report_owner ")
    nodes = [u["node"] for u in final["llm_usage"]]
    # The design's agents answered in prose (planner); each mlops agent ran once, and the
    # parent's rows were not appended a second time when the stage handed its usage back.
    assert "feature_spec_writer" in nodes and nodes[-3:] == MLOPS_NODES
    assert len(nodes) == len(set(nodes))
    assert [u["outcome"] for u in final["llm_usage"][-3:]] == ["accepted"] * 3
    assert all(u["model"] == "fake-model" for u in final["llm_usage"])
    assert "Chosen by the LLM agent (fake-model)" in (mlops / "retrain-pipeline.md").read_text()
    line = "retrain_pipeline_spec: LLM 1 call(s), 100 in / 20 out tokens; accepted."
    assert line in final["mlops_log"]


def test_the_runs_budget_counts_the_design_stage_in_the_mlops_stage(tmp_path):
    # The design's agents spend the whole budget; the mlops agents must see it spent.
    llm = routed(prose_tokens=(10_000, 0), **{DEPLOY: [call(DEPLOY, deploy_args())]})
    final, mlops = run_graph(
        tmp_path, Context(validate=False, llm=llm, budget=Budget(max_tokens=10_000))
    )
    rows = {u["node"]: u for u in final["llm_usage"]}
    for node in MLOPS_NODES:
        assert rows[node]["calls"] == 0
        assert rows[node]["outcome"].startswith("planner: the token budget is spent")
    assert "Chosen by the LLM agent" not in (mlops / "deployment-config.yaml").read_text()
