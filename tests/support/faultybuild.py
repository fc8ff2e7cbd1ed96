"""`python -m support.faultybuild ARGS…`: tickerwatch (`tickerwatch ARGS…`) that cannot build
its notifiers when a webhook named in $TICKERWATCH_FAIL_BUILD (comma-separated) is
configured. Nothing a config can say makes that fail any more (URLs are checked when the
file is read, HTTP clients are asked for at each attempt), yet a reload must survive a bug
or a library error there too: this is the one place such a failure is injected.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from tickerwatch import cli
from tickerwatch.core.settings import Notify
from tickerwatch.engine import service as service_module
from tickerwatch.notify.base import Notifier
from tickerwatch.notify.build import build_notifiers

FAILING = frozenset(filter(None, os.environ.get("TICKERWATCH_FAIL_BUILD", "").split(",")))


def failing_build(notify: Notify, *args: Any, **kwargs: Any) -> list[Notifier]:
    if FAILING & {hook.name for hook in notify.webhooks}:
        raise RuntimeError("cannot build the notifiers (injected)")
    return build_notifiers(notify, *args, **kwargs)


if __name__ == "__main__":
    service_module.build_notifiers = failing_build  # what the service builds them with
    sys.exit(cli.main())
