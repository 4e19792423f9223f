"""Binary F1 score from counts."""


def f1_score(y_true, y_pred):
    """Harmonic mean of precision and recall for 0/1 labels, 1 the positive class."""
    if len(y_true) != len(y_pred) or not y_true:
        raise ValueError("y_true and y_pred must be non-empty and equally long")
    pairs = list(zip(y_true, y_pred, strict=True))
    tp = sum(1 for t, p in pairs if t == 1 and p == 1)
    fp = sum(1 for t, p in pairs if t != 1 and p == 1)
    fn = sum(1 for t, p in pairs if t == 1 and p != 1)
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)
