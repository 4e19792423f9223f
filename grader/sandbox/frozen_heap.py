"""Imported last by a fork server's preload: what it loaded stays out of the collector's way.

gc.freeze moves every object into a generation the collector never scans, so forked
children do not touch (and copy) the pages those objects live on when they collect.
"""

from __future__ import annotations

import gc

gc.freeze()
