"""The Python rule modules, one per rule family; each registers its checks with :func:`..registry.check` on import."""
