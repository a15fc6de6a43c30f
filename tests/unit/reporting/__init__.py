"""Tests of fivesafes_crate's reporting layer."""
