"""The validation engine: Python checks and SHACL shapes combined into one report."""
