"""The one report: read the phases' result files, judge the run, write reports/index.html.

Layers, bottom up: `results` reads and checks the JSON files (never live objects);
`verdict` and `history` judge them; the `*_view` modules and `charts` turn them into HTML;
`page` assembles the single self-contained file; `build` ties these together for
`vanceqa report`; `phases` and `run_command` run the other commands as subprocesses
for `vanceqa run`. `sections` declares each section once (file, schema, judge, view,
commands, trend figures); every layer above reads that list.
"""
