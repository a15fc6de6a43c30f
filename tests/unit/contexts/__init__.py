"""Tests of fivesafes_crate's contexts layer."""
