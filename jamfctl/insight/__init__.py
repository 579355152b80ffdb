"""Insight over inventory: per-device security checks (checks.py) shared by `computer health` and the fleet report."""
