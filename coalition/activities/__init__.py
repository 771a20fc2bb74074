"""Workshops and trainings, awareness videos, awareness activities and events."""
