"""Tests of fivesafes_crate's unit layer."""
