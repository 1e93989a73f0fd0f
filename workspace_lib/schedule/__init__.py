"""The scheduler of report campaigns (``workspace scheduler``): runs on crontab, record, catch-up, e-mails."""

from .lock import SchedulerBusy, SchedulerLock
from .runner import Scheduler, discover, run_once, serve
from .store import RunRecord, RunStore

__all__ = ["RunRecord", "RunStore", "Scheduler", "SchedulerBusy", "SchedulerLock", "discover", "run_once", "serve"]
