"""Stage checkpoints of the nightly, and the test hook that kills the process at one.

`DISTILLWATCH_TEST_KILL_AT=<stage>` makes the process die at the end of that stage:
`os._exit(137)` as the kernel's OOM killer or a `kill -9` would (no Prefect hook runs), or with
`<stage>:TERM` a SIGTERM to itself as a worker or `systemctl stop` sends (Prefect marks the run
Crashed and runs its `on_crashed` hooks). The crash-safety tests use it; unset, a checkpoint
does nothing.
"""

from __future__ import annotations

import os
import signal
import time

KILL_AT_ENV = "DISTILLWATCH_TEST_KILL_AT"
# In the order a nightly passes them; `render`: the digest (or alert) and the day's CSVs written
# to the staging folder, not yet published; `deliver`: that set published, its mail not yet sent;
# `campaigns`: the digest mail sent, the campaign reports rendered aside, not yet published.
STAGES = ("pull", "validate", "dbt", "gate", "render", "deliver", "campaigns")


def checkpoint(stage: str) -> None:
    wanted = os.environ.get(KILL_AT_ENV, "")
    name, _, how = wanted.partition(":")
    if name != stage:
        return
    if how == "TERM":
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(30)  # the handler raises in this (main) thread well before
    os._exit(137)
