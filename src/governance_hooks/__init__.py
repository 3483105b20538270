"""governance-hooks: governance checks for ML and platform repositories."""

__version__ = "0.1.0"
