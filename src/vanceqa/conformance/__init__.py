"""The conformance suites' machinery: pytest plugin, HTTP client, checks, result file.

The suites themselves live in the top-level `conformance/` folder; this package holds
what they share, so `conformance/conftest.py` stays thin.
"""
