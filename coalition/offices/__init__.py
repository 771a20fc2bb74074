"""Offices of the coalition, and the tracks and projects their work is tagged with."""
