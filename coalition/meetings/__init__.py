"""Meetings with counterparts, by counterpart category."""
