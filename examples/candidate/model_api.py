"""Alternative correct answer: explicit loops over columns, EAFP config handling."""

import math
from collections.abc import Mapping

import numpy as np


class MLModel:
    model_type = "classifier"

    def __init__(self, name):
        self.name = name

    @staticmethod
    def standardize(X):
        try:
            data = np.array(X, dtype=float, copy=True)
        except (TypeError, ValueError):
            raise ValueError("standardize: X must be a 2-D array of numbers") from None
        if len(data.shape) != 2 or 0 in data.shape:
            raise ValueError(f"standardize: expected a non-empty 2-D array, got shape {data.shape}")
        n_rows, n_cols = data.shape
        for j in range(n_cols):
            column = [float(v) for v in data[:, j]]
            if any(not math.isfinite(v) for v in column):
                raise ValueError("standardize: X must not contain NaN or infinity")
            if len(set(column)) == 1:
                data[:, j] = 0.0
                continue
            mean = math.fsum(column) / n_rows
            std = math.sqrt(math.fsum((v - mean) ** 2 for v in column) / n_rows)
            for i in range(n_rows):
                data[i, j] = (column[i] - mean) / std
        return data

    @classmethod
    def create_default(cls):
        return cls(name="default_" + str(cls.model_type))

    @classmethod
    def from_config(cls, config):
        if not isinstance(config, Mapping):
            raise ValueError("from_config: config must be a mapping")
        try:
            name = config["name"]
        except KeyError:
            raise ValueError("from_config: config needs a 'name'") from None
        if type(name) is not str or name.strip() == "":
            raise ValueError(f"from_config: invalid model name {name!r}")
        return cls(name=name)
