"""The ``semgrep`` check: our Semgrep rule pack for ML-repository hazards, run offline."""
