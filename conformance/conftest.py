"""Conformance suites: options and fixtures come from the `vanceqa` pytest plugin.

Hypothesis profiles: `conformance` (default), `conformance-quick` (a smoke run, used by
the defect catalogue) and `conformance-thorough`; pick one with --hypothesis-profile or
HYPOTHESIS_PROFILE.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,
    "database": None,  # runs are reproduced with --hypothesis-seed, not a local cache
    # function_scoped_fixture: `vanceqa_defer` is shared by a test's examples on purpose
    # (their requests go side by side and are judged once the test body has returned).
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
    "print_blob": False,
}
settings.register_profile("conformance", max_examples=40, stateful_step_count=12, **_COMMON)
settings.register_profile("conformance-quick", max_examples=8, stateful_step_count=8, **_COMMON)
settings.register_profile(
    "conformance-thorough", max_examples=400, stateful_step_count=30, **_COMMON
)
PROFILES = ("conformance", "conformance-quick", "conformance-thorough")


@pytest.hookimpl(tryfirst=True)  # before Hypothesis' plugin, so --hypothesis-profile wins
def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("hypothesis_profile", None):
        return  # --hypothesis-profile wins; Hypothesis' plugin loads it after this hook
    name = os.environ.get("HYPOTHESIS_PROFILE", "conformance")
    if name not in PROFILES:
        # Another project's profile exported in the shell: say so, not a traceback.
        raise pytest.UsageError(
            f"HYPOTHESIS_PROFILE={name!r} is not a profile of the conformance suites "
            f"(they have {', '.join(PROFILES)}); unset it, or choose one with "
            "--hypothesis-profile"
        )
    settings.load_profile(name)
