"""Checks: placeholder, filled in below."""
