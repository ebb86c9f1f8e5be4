"""Command line shared by the framework servers: `python <server>.py --port N [...]`.

Each server module runs its framework's own server on 127.0.0.1 with `--defect NAME`
planting one of its typical defects (see each module's docstring).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def options(argv: Sequence[str], defects: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data", default=None, help="the kittens data file (the mock's)")
    parser.add_argument("--defect", choices=list(defects), default=None)
    return parser.parse_args(list(argv))
