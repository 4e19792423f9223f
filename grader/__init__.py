"""mlgrade: grade machine-learning-engineer interview answers with hidden test suites."""

from __future__ import annotations

__version__ = "0.1.0"
