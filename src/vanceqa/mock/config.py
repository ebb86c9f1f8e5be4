"""How a mock is set up: data, tokens, faults, and where its shared state lives."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from typing import Any

from vanceqa.errors import UsageError
from vanceqa.mock.data import Dataset, load_dataset
from vanceqa.mock.faults import FaultConfig

CONFIG_ENV = "VANCEQA_MOCK_CONFIG"
# Secrets reach the mock through the environment, never a command line (which every
# local user can read): `vanceqa mock` reads these, the launcher sets them.
API_TOKEN_ENV = "VANCEQA_MOCK_API_TOKEN"  # noqa: S105
ADMIN_TOKEN_ENV = "VANCEQA_MOCK_ADMIN_TOKEN"  # noqa: S105
CONTROL_TOKEN_ENV = "VANCEQA_MOCK_CONTROL_TOKEN"  # noqa: S105
# The header that carries the control token; its name looks secret to every redactor.
CONTROL_TOKEN_HEADER = "X-Vanceqa-Control-Token"  # noqa: S105


@dataclass(frozen=True)
class MockConfig:
    data_path: str | None = None  # None: the bundled fixtures/kittens.json
    api_token: str | None = None  # None: the data file's token
    admin_token: str | None = None
    faults: FaultConfig = field(default_factory=FaultConfig)
    control: bool = True  # serve the /__vanceqa__/ control API
    # None: the control API is open (the CLI allows that on loopback only).
    control_token: str | None = field(default=None, repr=False)
    state_path: str | None = None  # file shared by worker processes; None: in memory
    seed: int | None = None  # for the random faults (error rate, latency distributions)

    def dataset(self) -> Dataset:
        data = load_dataset(self.data_path)
        api = self.api_token if self.api_token is not None else data.api_token
        admin = self.admin_token if self.admin_token is not None else data.admin_token
        if not api or not admin:
            raise UsageError("the mock needs an API token and an admin token")
        if api == admin:
            raise UsageError("the API token and the admin token must differ")
        return replace(data, api_token=api, admin_token=admin)

    def to_env(self) -> str:
        payload: dict[str, Any] = {
            "data_path": self.data_path,
            "api_token": self.api_token,
            "admin_token": self.admin_token,
            "faults": self.faults.to_json(),
            "control": self.control,
            "control_token": self.control_token,
            "state_path": self.state_path,
            "seed": self.seed,
        }
        return json.dumps(payload)

    @classmethod
    def from_env(cls) -> MockConfig:
        raw = os.environ.get(CONFIG_ENV)
        if not raw:
            return cls()
        payload = json.loads(raw)
        payload["faults"] = FaultConfig.from_json(payload.get("faults", {}))
        return cls(**payload)
