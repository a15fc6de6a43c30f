"""Tests that drive a real headless browser (Chromium from the distribution), offline."""
