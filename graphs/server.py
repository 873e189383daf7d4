"""The graph a LangGraph server serves (`langgraph dev`, LangGraph Studio, the Agent Chat UI).

`langgraph.json` at the project's root names `ml_engineer.graphs.server:graph`. The server
brings its own checkpointer (and store), so this graph is compiled without one: the server
refuses a graph that carries its own. Everything else is `build_graph()`'s, with the default
mlops stage; run settings come per run as the `context` (see `Context`: `validate`,
`sample_rows`, `train`, `timeout_s`), and a run starts from `initial_state(...)` or from a chat
message `/ml_engineer output/<slug>/data [goal words]`. A run stops at the interrupts of
graphs/approval.py: which column to predict, when the goal's words fit several
(`Command(resume={"target": ...})` answers), and the approval.
"""

from __future__ import annotations

from ml_engineer.graphs.ml_engineer import build_graph

graph = build_graph()
