"""Legal-protection cases of the Himaya project, with personal details kept apart."""
