"""The package version, in one place: read by setup.cfg, persistence and export."""

__version__ = "0.1.0"
