"""Tests of fivesafes_crate's cli layer."""
