"""The kit's quality gate: each hidden suite proved on its reference solution, its stub,
planted bugs and mutants."""
