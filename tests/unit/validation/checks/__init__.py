"""Tests of the rule modules in fivesafes_crate.validation.checks."""
