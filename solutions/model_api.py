"""Reference answer for the ``model_api`` exercise: static and class methods."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np


class MLModel:
    """A minimal model base class showing instance, static and class methods."""

    model_type = "classifier"

    def __init__(self, name: str) -> None:
        self.name = name

    @staticmethod
    def standardize(X: Any) -> np.ndarray:
        """Return column-wise ``(X - mean) / std`` with the population std.

        ``X`` is a 2-D array-like of finite numbers with at least one row and
        one column. A column whose values are all equal becomes all zeros. The
        input is never modified; the result is a new float64 array.
        """
        try:
            X = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"X must contain only numbers: {exc}") from exc
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D (n_samples, n_features), got {X.ndim}-D")
        if X.size == 0:
            raise ValueError(f"X needs at least one row and one column, got shape {X.shape}")
        if not np.isfinite(X).all():
            raise ValueError("X contains NaN or infinite values")
        result = np.zeros_like(X)
        varying = X.max(axis=0) != X.min(axis=0)  # constant columns stay all zeros
        columns = X[:, varying]
        result[:, varying] = (columns - columns.mean(axis=0)) / columns.std(axis=0)
        return result

    @classmethod
    def create_default(cls) -> MLModel:
        """Return ``cls(name=f"default_{cls.model_type}")``."""
        return cls(name=f"default_{cls.model_type}")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MLModel:
        """Return ``cls(name=config["name"])`` after checking the name.

        ``config`` must be a mapping whose ``"name"`` is a non-blank string;
        otherwise ``ValueError`` is raised. Other keys are ignored.
        """
        if not isinstance(config, Mapping):
            raise ValueError(f"config must be a mapping, got {type(config).__name__}")
        if "name" not in config:
            raise ValueError("config has no 'name'")
        name = config["name"]
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"config 'name' must be a non-empty string, got {name!r}")
        return cls(name=name)
