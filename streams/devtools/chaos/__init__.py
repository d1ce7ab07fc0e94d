"""``make chaos``: the whole pipeline under a seeded fault schedule, and a verdict on what was lost.

:mod:`.articles` (the input and its poison), :mod:`.procs` (the product's CLI processes, orphans),
:mod:`.receiver` (the webhook receiver), :mod:`.observe` (reading topics, group progress, the
archive), :mod:`.run` (the schedule and the verdict). Run it with ``python -m streams.devtools.chaos``.
"""
