"""A minimal model class with static and class methods.

Fill in the methods below. See prompt.md for the full contract.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np


class MLModel:
    """A minimal model base class showing instance, static and class methods."""

    model_type = "classifier"

    def __init__(self, name: str) -> None:
        """Store ``name`` unchanged as ``self.name``."""
        raise NotImplementedError

    @staticmethod
    def standardize(X: Any) -> np.ndarray:
        """Return column-wise ``(X - mean) / std`` using the population std.

        ``X`` is a 2-D array-like of finite numbers with at least one row and
        one column; anything else raises ``ValueError``. A column whose values
        are all equal becomes all zeros. Returns a new float ndarray of the
        same shape and never modifies ``X``. Callable on the class and on an
        instance.
        """
        raise NotImplementedError

    @classmethod
    def create_default(cls) -> MLModel:
        """Return ``cls(name=f"default_{cls.model_type}")``."""
        raise NotImplementedError

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MLModel:
        """Return ``cls(name=config["name"])``.

        ``config`` must be a mapping whose ``"name"`` is a non-blank string;
        a missing, empty, blank or non-string name, or a ``config`` that is not
        a mapping, raises ``ValueError``. Other keys are ignored and
        ``config`` is not modified.
        """
        raise NotImplementedError
