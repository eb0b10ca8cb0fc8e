"""Front ends that run other libraries' code on fgrad (compat.torch)."""
