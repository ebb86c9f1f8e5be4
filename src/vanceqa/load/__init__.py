"""Load tests: locust scenarios with HDR latencies, an open model and SLO gates.

Only `plugin`, `state`, `users` and `dispatch` import locust or gevent; the locustfile
imports them inside locust processes. Everything else (units, histograms, metrics, the
arrival schedule, shapes, options, SLOs, the result file and the `vanceqa load`
launcher) is plain Python that tests and other phases may import freely.
"""
