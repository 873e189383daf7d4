"""The ml_engineer graph: one node per sub-skill, then a person's approval, then the handoff.

load_inputs -> feature_spec_writer -> training_script_generator
    -> experiment_config_writer -> validate -> approval --approve--> handoff
                                                      --reject---> end
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph
from ml_engineer.graphs.approval import approval
from ml_engineer.graphs.nodes import (
    experiment_config_writer,
    feature_spec_writer,
    handoff,
    load_inputs,
    training_script_generator,
    validate,
)
from ml_engineer.graphs.state import Context, MLEngineerState


def build_graph(checkpointer=None):
    """The compiled graph. Pass a checkpointer to make runs durable and approval resumable."""
    builder = StateGraph(MLEngineerState, context_schema=Context)
    builder.add_node(load_inputs)
    builder.add_node(feature_spec_writer)
    builder.add_node(training_script_generator)
    builder.add_node(experiment_config_writer)
    builder.add_node(validate)
    builder.add_node(approval)
    builder.add_node(handoff)
    builder.add_edge(START, "load_inputs")
    builder.add_edge("load_inputs", "feature_spec_writer")
    builder.add_edge("feature_spec_writer", "training_script_generator")
    builder.add_edge("training_script_generator", "experiment_config_writer")
    builder.add_edge("experiment_config_writer", "validate")
    builder.add_edge("validate", "approval")
    builder.add_edge("handoff", END)
    return builder.compile(checkpointer=checkpointer, name="ml_engineer")
