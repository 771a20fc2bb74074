"""Partner organisations and partnerships."""
