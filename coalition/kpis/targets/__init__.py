"""Targets for any KPI, a year or a quarter, the coalition, an office or a project."""
