"""Tests of fivesafes_crate's model layer."""
