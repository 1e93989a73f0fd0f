"""The render engine: campaigns of parameterised notebooks run in warm kernels, exported, published.

``run_campaign`` and ``RunReport`` are imported on first use: the engine needs Jupyter's
client libraries (about a second to import), which the commands that only read campaign files
(the scheduler, ``workspace info``...) do not.
"""

from __future__ import annotations

from typing import Any

from .campaign import Campaign, CampaignError, load

__all__ = ["Campaign", "CampaignError", "RunReport", "load", "run_campaign"]


def __getattr__(name: str) -> Any:
    if name in ("RunReport", "run_campaign"):
        from . import engine

        return getattr(engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
