"""The ml_engineer graph: one node per sub-skill, a person's approval, then the MLOps stage.

(start_from_chat, for a `/ml_engineer output/<slug>/data [goal]` chat message) ->
load_inputs -> feature_spec_writer -> training_script_generator
    -> experiment_config_writer -> validate -> approval
feature_spec_writer --the goal fits two or more columns--> choose_target (asks which)
choose_target --a column--> feature_spec_writer (with that target)
              --not a candidate nor a column--> choose_target (asks again, saying why)
              --reject---> end
approval --approve--> train_model (only with --train) -> handoff -> mlops -> end
         --revise---> the node the feedback concerns, and everything after it
         --reject---> end

A resumed chat routes from the start: a message typed while a question waits goes to the node
that asked it (graphs/chat_start.py `entry`).
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from ml_engineer.graphs.approval import approval, choose_target
from ml_engineer.graphs.approval_summary import approval_question
from ml_engineer.graphs.chat_start import entry, start_from_chat
from ml_engineer.graphs.messages import speaking
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
from ml_engineer.graphs.target_question import target_question_said

DEFAULT = object()  # build_graph's default mlops stage: ours


def build_graph(checkpointer=None, mlops=DEFAULT):
    """The compiled graph. Pass a checkpointer to make runs durable and approval resumable.

    `mlops` is the compiled stage run after the handoff (any graph reading the same state
    keys); None ends the run at the handoff line.
    """
    builder = StateGraph(MLEngineerState, context_schema=Context)
    # Each node's checkpoint lines also reach `messages`, for Studio and the Agent Chat UI.
    for node in (start_from_chat, load_inputs, training_script_generator):
        builder.add_node(speaking(node))
    # Each says the target question when it asks it (choose_target asks again after a refusal).
    for node in (feature_spec_writer, choose_target):
        builder.add_node(speaking(node, then=target_question_said))
    builder.add_node(speaking(experiment_config_writer))
    builder.add_node(speaking(validate, then=approval_question))  # says the approval's question
    for node in (approval, train_model, handoff):
        builder.add_node(speaking(node))
    builder.add_conditional_edges(
        START, entry, ["start_from_chat", "load_inputs", "approval", "choose_target"]
    )
    builder.add_edge("load_inputs", "feature_spec_writer")
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
