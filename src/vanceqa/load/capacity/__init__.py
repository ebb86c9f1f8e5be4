"""The capacity search: the highest arrival rate the target sustains within its SLOs.

Pure parts (no locust, no clock): `settings` (the options, declared once), `search` (the
ramp, bisection and confirmation as a state machine), `step` (one step's numbers and
verdict, and whether the load generator was the limit), `driver` (steps in time, for the
`capacity` load shape), `document` (capacity.json and the summary). Locust-side: `live`
(the steered arrival rate, the generator probe, the hooks into the plugin). `cli` is
`vanceqa capacity`; `progress` its terminal display.
"""
