"""The defect catalogue: the mock with one documented behaviour broken, and the harness
that runs the conformance suites against each defect (tests/test_conformance_defects.py)."""
