"""The ml_engineer graph: one node per sub-skill, a person's approval, then the MLOps stage.

load_inputs -> feature_spec_writer -> training_script_generator
    -> experiment_config_writer -> validate -> approval
approval --approve--> train_model (only with --train) -> handoff -> mlops -> end
         --revise---> the node the feedback concerns, and everything after it
         --reject---> end
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from ml_engineer.graphs.approval import approval
from ml_engineer.graphs.mlops import build_mlops_graph
from ml_engineer.graphs.nodes import (
    experiment_config_writer,
    feature_spec_writer,
    handoff,
    load_inputs,
    train_model,
    training_script_generator,
    validate,
)
from ml_engineer.graphs.state import Context, MLEngineerState

DEFAULT = object()  # build_graph's default mlops stage: ours


def build_graph(checkpointer=None, mlops=DEFAULT):
    """The compiled graph. Pass a checkpointer to make runs durable and approval resumable.

    `mlops` is the compiled stage run after the handoff (any graph reading the same state
    keys); None ends the run at the handoff line.
    """
    builder = StateGraph(MLEngineerState, context_schema=Context)
    builder.add_node(load_inputs)
    builder.add_node(feature_spec_writer)
    builder.add_node(training_script_generator)
    builder.add_node(experiment_config_writer)
    builder.add_node(validate)
    builder.add_node(approval)
    builder.add_node(train_model)
    builder.add_node(handoff)
    builder.add_edge(START, "load_inputs")
    builder.add_edge("load_inputs", "feature_spec_writer")
    builder.add_edge("feature_spec_writer", "training_script_generator")
    builder.add_edge("training_script_generator", "experiment_config_writer")
    builder.add_edge("experiment_config_writer", "validate")
    builder.add_edge("validate", "approval")
    builder.add_edge("train_model", "handoff")
    stage = build_mlops_graph() if mlops is DEFAULT else mlops
    if stage is None:
        builder.add_edge("handoff", END)
    else:
        builder.add_node("mlops", stage)
        builder.add_edge("handoff", "mlops")
        builder.add_edge("mlops", END)
    return builder.compile(checkpointer=checkpointer, name="ml_engineer")
