"""Evidence files: attendance sheets, photos and reports attached to any record."""
