"""Serve the mock with one planted defect on a real socket (granian, one worker).

    python tests/defects/serve.py --defect NAME --port PORT [--data FILE]

granian imports `serve:app` in its worker; the defect and the data travel in the
environment (VANCEQA_DEFECT, VANCEQA_DEFECT_DATA), like the mock's own configuration.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


class _LazyApp:
    def __init__(self) -> None:
        self._app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._app is None:
            from catalogue import BY_NAME
            from wrapper import DefectApp

            from vanceqa.mock import MockConfig, create_app

            mock = create_app(MockConfig(data_path=os.environ.get("VANCEQA_DEFECT_DATA") or None))
            self._app = DefectApp(mock, BY_NAME[os.environ["VANCEQA_DEFECT"]])
        await self._app(scope, receive, send)


app = _LazyApp()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--defect", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data")
    args = parser.parse_args()
    from catalogue import BY_NAME
    from granian.constants import Interfaces
    from granian.server import Server

    if args.defect not in BY_NAME:
        parser.error(f"unknown defect {args.defect!r}")
    os.environ["VANCEQA_DEFECT"] = args.defect
    os.environ["VANCEQA_DEFECT_DATA"] = str(Path(args.data).resolve()) if args.data else ""
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(HERE), os.environ.get("PYTHONPATH")])
    )
    Server(
        "serve:app",
        address="127.0.0.1",
        port=args.port,
        interface=Interfaces.ASGI,
        workers=1,
        log_access=False,
        working_dir=HERE,
    ).serve()


if __name__ == "__main__":
    main()
