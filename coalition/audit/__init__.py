"""The audit trail: who changed what and when, append-only; and the trash's restore."""
