"""What `make demo` (or `make test`) installs on a fresh machine: its time, size and package count.

Clones this repository at a commit into a temporary folder and runs one install target of its
Makefile there with a cold pip cache (PIP_NO_CACHE_DIR), as a newcomer's first command does;
then measures the virtual environment. Compare two commits, or two targets:

    .venv/bin/python benchmarks/install_size.py                          # HEAD, make install
    .venv/bin/python benchmarks/install_size.py --ref 8b0e46f            # an earlier commit
    .venv/bin/python benchmarks/install_size.py --target install-dev     # what make test adds

The time includes the downloads, so it depends on the network; the size and count do not.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def folder_bytes(folder: Path) -> int:
    """Bytes of the files under `folder`, each counted once (no symlink followed)."""
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            path = Path(root) / name
            if not path.is_symlink():
                total += path.stat().st_size
    return total


# Run in the measured environment: its ten largest distributions, in MB of installed files.
LARGEST = """
import json
from importlib import metadata
sizes = {}
for dist in metadata.distributions():
    total = 0
    for file in dist.files or []:
        try:
            total += file.locate().stat().st_size
        except OSError:
            pass
    sizes[dist.metadata["Name"]] = round(total / 2**20)
print(json.dumps(dict(sorted(sizes.items(), key=lambda item: -item[1])[:10])))
"""


def measure(ref: str, target: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="ml-engineer-install-") as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
        subprocess.run(["git", "-C", str(clone), "checkout", "--quiet", ref], check=True)
        env = {**os.environ, "PIP_NO_CACHE_DIR": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        began = time.perf_counter()
        subprocess.run(["make", "-C", str(clone), target], check=True, env=env,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        seconds = time.perf_counter() - began
        venv = clone / ".venv"
        listed = subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "list", "--format=json"],
            check=True, capture_output=True, text=True, env=env,
        )  # fmt: skip
        packages = {item["name"].lower() for item in json.loads(listed.stdout)}
        largest = subprocess.run(
            [str(venv / "bin" / "python"), "-c", LARGEST], check=True, capture_output=True,
            text=True,
        )  # fmt: skip
        return {
            "ref": ref, "target": target, "seconds": round(seconds, 1),
            "megabytes": round(folder_bytes(venv) / 2**20), "packages": len(packages),
            "heavy": sorted(packages & {"torch", "pyspark", "xgboost-cpu", "mlflow-skinny",
                                        "psycopg-binary", "hypothesis", "langgraph-cli"}),
            "largest": json.loads(largest.stdout),
        }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default="HEAD", help="the commit to clone (default HEAD)")
    parser.add_argument("--target", default="install", help="the Makefile target to run")
    args = parser.parse_args(argv)
    result = measure(args.ref, args.target)
    print(json.dumps(result))
    heavy = ", ".join(result["heavy"]) or "none of torch, pyspark, xgboost, mlflow, psycopg"
    print(f"{args.ref} make {args.target}: {result['seconds']} s, {result['megabytes']} MB, "
          f"{result['packages']} packages (cold pip cache); heavy: {heavy}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
