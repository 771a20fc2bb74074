"""Publications (reports, policy papers …) and community advocacy issues."""
