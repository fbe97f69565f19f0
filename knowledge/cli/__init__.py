"""The terminal shells: `python -m knowledge`, `fact ...`, and the local console."""
