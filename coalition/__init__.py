"""Office management and KPI dashboard for coalitions of Syrian civil-society organisations."""
