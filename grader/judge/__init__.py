"""The judge's process: the hidden suite, its oracles and the collector, which reach the
candidate only through a link to its process."""
