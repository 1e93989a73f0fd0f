"""The render engine: campaigns of parameterised notebooks run in warm kernels, exported, published."""

from .campaign import Campaign, CampaignError, load
from .engine import RunReport, run_campaign

__all__ = ["Campaign", "CampaignError", "RunReport", "load", "run_campaign"]
