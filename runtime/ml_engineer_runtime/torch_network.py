"""The PyTorch side of the tabular network: the module, where and on how many threads it runs,
its training with early stopping, its forward pass, and its weights as numpy arrays.

torch_mlp imports this module only when a network is checked, fitted or first predicts, so
that the rest of ml_engineer_runtime, and a process that only unpickles a model, never needs
torch.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from sklearn.base import is_classifier
from torch import nn

PREDICT_BATCH = 8192  # rows per forward pass when predicting
IMPROVEMENT = 1e-4  # a relative drop of the held-out loss smaller than this is no improvement


def torch_threads(requested: int | None) -> None:
    """`requested` CPU threads; else OMP_NUM_THREADS, when set; else one thread.

    Why: the batches of a tabular network are small, so a second thread saves little; on a busy
    2-core machine, threads spin-waiting on each other made each training step 30 to 100 times
    slower than one thread did (measured with torch 2.13 on CPU).
    """
    configured = os.environ.get("OMP_NUM_THREADS", "")
    threads = requested or (int(configured) if configured.isdigit() else 0) or 1
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


def torch_device(requested: str | None, strict: bool = True) -> torch.device:
    """CUDA when torch sees a GPU, else the CPU; `requested` (model.params.device) overrides.
    When loading a saved model (strict=False) a device that is not there falls back to the CPU,
    so that a model trained on a GPU predicts on a machine without one."""
    if not requested:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(requested)
    if device.type == "cuda" and not torch.cuda.is_available():
        if strict:
            raise ValueError(f"device {requested!r} asked for, but torch sees no CUDA GPU")
        return torch.device("cpu")
    return device


class TabularNet(nn.Module):
    """Embeddings of the categorical codes beside the dense inputs, then Linear-ReLU-Dropout
    layers, then one output per class (one output for regression)."""

    def __init__(self, n_dense, cardinalities, embedding_dims, hidden_sizes, dropout, n_outputs):
        super().__init__()
        self.embeddings = nn.ModuleList(
            nn.Embedding(rows, dim) for rows, dim in zip(cardinalities, embedding_dims, strict=True)
        )
        layers: list[nn.Module] = []
        width = n_dense + sum(embedding_dims)
        for size in hidden_sizes:
            layers += [nn.Linear(width, size), nn.ReLU(), nn.Dropout(dropout)]
            width = size
        layers.append(nn.Linear(width, n_outputs))
        self.layers = nn.Sequential(*layers)

    def forward(self, dense: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
        embedded = [embedding(codes[:, i]) for i, embedding in enumerate(self.embeddings)]
        return self.layers(torch.cat([dense, *embedded], dim=1))


@dataclass
class Training:
    """A trained network (in eval mode, with the best epoch's weights) and how training went."""

    network: TabularNet
    epochs: int  # epochs run
    best_epoch: int  # whose weights were kept
    best_loss: float | None  # on the held-out rows; None without any
    stopped_by: str  # "patience", "max_epochs" or "max_seconds"
    device: torch.device
    seconds: float


def loss_and_target(mlp: Any, target: np.ndarray, class_weights: np.ndarray | None):
    """Cross-entropy over class indices for a classifier (weighted by class_weights), squared
    error on the one standardised output of a regressor; and the target as a tensor for it."""
    if is_classifier(mlp):
        weights = None if class_weights is None else torch.as_tensor(class_weights).float()
        return nn.CrossEntropyLoss(weight=weights), torch.as_tensor(target, dtype=torch.long)
    return nn.MSELoss(), torch.as_tensor(target, dtype=torch.float32).unsqueeze(1)


def train_network(
    mlp: Any,
    network_args: dict[str, Any],
    dense: np.ndarray,
    codes: np.ndarray,
    target: np.ndarray,
    class_weights: np.ndarray | None,
    rows: tuple[np.ndarray, np.ndarray],
) -> Training:
    """A TabularNet of `network_args` trained with AdamW on `rows` = (train, held out), with the
    settings of `mlp` (a TabularMLP: lr, weight_decay, batch_size, max_epochs, patience,
    max_seconds, device, n_threads, random_state). Training stops once the held-out loss has
    not improved for `patience` epochs, and keeps the best epoch's weights; the seed fixes the
    initial weights, the dropout and the batch order."""
    started = time.perf_counter()
    torch_threads(mlp.n_threads)
    torch.manual_seed(mlp.random_state)  # initial weights and dropout
    device = torch_device(mlp.device)
    network = TabularNet(**network_args).to(device)
    loss, target_t = loss_and_target(mlp, target, class_weights)
    loss, target_t = loss.to(device), target_t.to(device)
    optimizer = torch.optim.AdamW(network.parameters(), lr=mlp.lr, weight_decay=mlp.weight_decay)
    dense_t = torch.as_tensor(dense, device=device)
    codes_t = torch.as_tensor(codes, device=device)
    train_rows, val_rows = (torch.as_tensor(part, device=device) for part in rows)
    batches = torch.Generator().manual_seed(mlp.random_state)  # the batch order
    best_loss, best_state, best_epoch, stopped_by = np.inf, None, 0, "max_epochs"
    epoch = 0
    for epoch in range(1, mlp.max_epochs + 1):
        network.train()
        order = train_rows[torch.randperm(len(train_rows), generator=batches).to(device)]
        for start in range(0, len(order), mlp.batch_size):
            batch = order[start : start + mlp.batch_size]
            optimizer.zero_grad()
            loss(network(dense_t[batch], codes_t[batch]), target_t[batch]).backward()
            optimizer.step()
        if len(val_rows):
            val_loss = float(loss(outputs(network, dense_t[val_rows], codes_t[val_rows]),
                                  target_t[val_rows]))  # fmt: skip
            if best_state is None or val_loss < best_loss - IMPROVEMENT * abs(best_loss):
                best_loss, best_epoch = val_loss, epoch
                best_state = {k: v.detach().clone() for k, v in network.state_dict().items()}
            elif epoch - best_epoch >= mlp.patience:
                stopped_by = "patience"
                break
        if mlp.max_seconds and time.perf_counter() - started > mlp.max_seconds:
            stopped_by = "max_seconds"
            break
    if best_state is not None:
        network.load_state_dict(best_state)
    network.eval()
    return Training(
        network=network, epochs=epoch, best_epoch=best_epoch or epoch,
        best_loss=None if best_state is None else best_loss, stopped_by=stopped_by,
        device=device, seconds=time.perf_counter() - started,
    )  # fmt: skip


def outputs(network: nn.Module, dense: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
    """The network's raw outputs in eval mode, without gradients, a batch at a time."""
    network.eval()
    with torch.no_grad():
        parts = [
            network(dense[start : start + PREDICT_BATCH], codes[start : start + PREDICT_BATCH])
            for start in range(0, len(dense), PREDICT_BATCH)
        ]
    return torch.cat(parts) if parts else torch.zeros((0, network.layers[-1].out_features))


def predict_outputs(network: nn.Module, dense: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """The raw outputs for numpy inputs, computed on the network's device, as float64."""
    device = next(network.parameters()).device
    dense_t = torch.as_tensor(dense, device=device)
    codes_t = torch.as_tensor(codes, device=device)
    return outputs(network, dense_t, codes_t).cpu().numpy().astype(np.float64)


def weights_of(network: nn.Module) -> dict[str, np.ndarray]:
    """The network's weights as numpy arrays: what model.joblib holds instead of torch objects."""
    state = network.state_dict()
    return {name: value.detach().cpu().numpy().copy() for name, value in state.items()}


def rebuilt(
    network_args: dict[str, Any], weights: dict[str, np.ndarray], device: str | None,
    n_threads: int | None,
) -> TabularNet:  # fmt: skip
    """The saved network, rebuilt from its weights, in eval mode on `device` (the CPU when the
    device it was trained on is not there)."""
    torch_threads(n_threads)
    network = TabularNet(**network_args)
    network.load_state_dict({name: torch.from_numpy(w) for name, w in weights.items()})
    return network.to(torch_device(device, strict=False)).eval()
