"""Load tests: locust scenarios with HDR latencies, an open model and SLO gates.

Only `plugin`, `users` and `dispatch` import locust or gevent; they are imported by the
locustfile inside locust processes. Everything else (units, histograms, metrics, the
arrival schedule, SLOs, the result file and the `vanceqa load` launcher) is plain
Python that tests and other phases may import freely.
"""
