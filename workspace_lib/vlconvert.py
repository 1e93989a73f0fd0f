"""vl-convert, the chart engine, set up once per process: nothing is fetched from the network.

vl-convert 2 takes the addresses it may read data and images from as a setting of the process
(``configure``), no longer as an argument of each conversion. The empty list refuses every
external data or image request: a chart's spec must carry its data inline.
"""

from __future__ import annotations

import functools
from types import ModuleType


@functools.cache
def vl_convert() -> ModuleType:
    """The ``vl_convert`` module, configured (0.1 s import; its JavaScript engine starts on first use)."""
    import vl_convert as module  # noqa: PLC0415

    module.configure(allowed_base_urls=[])
    return module
