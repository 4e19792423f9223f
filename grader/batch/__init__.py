"""Many submissions at once: the pool (or a cluster) that grades them, the gradebook,
and the similarity check between them."""
