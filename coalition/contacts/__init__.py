"""The directory of entities and persons the coalition is in touch with."""
