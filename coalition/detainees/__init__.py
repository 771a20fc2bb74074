"""The Detainees Office: documented persons, their detention, families, consent and support."""
