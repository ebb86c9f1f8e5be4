"""The bundled mock of the Vance AI API: a faithful, stateful, fault-injectable server.

It never imports pytest or locust: it is a target, not a test.
"""

from vanceqa.mock.app import MockApp, create_app
from vanceqa.mock.config import MockConfig
from vanceqa.mock.faults import FaultConfig

__all__ = ["FaultConfig", "MockApp", "MockConfig", "create_app"]
