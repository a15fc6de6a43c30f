"""Tests of fivesafes_crate's validation layer."""
