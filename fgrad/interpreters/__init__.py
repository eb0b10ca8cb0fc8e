"""L3: the interpreters (jvp, staging, partial evaluation, transposition, batching)."""
