"""Binary F1 score: see prompt.md."""


def f1_score(y_true, y_pred):
    """Harmonic mean of precision and recall for 0/1 labels, 1 the positive class."""
    raise NotImplementedError
