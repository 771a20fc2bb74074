"""Monthly reporting: an office submits a month, leadership approves it, and it is locked."""
