"""Placeholder: the default genesis lands with the foundation issue."""
