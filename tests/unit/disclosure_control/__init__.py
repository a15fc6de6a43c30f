"""Tests of the disclosure-control screening service."""
