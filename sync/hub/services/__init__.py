"""The hub's use cases, one transaction each."""
