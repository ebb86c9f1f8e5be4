"""vanceqa: conformance and load testing for the Vance AI API."""

__version__ = "0.1.0"
