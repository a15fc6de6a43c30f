"""Meeting other RO-Crate tools: ro-crate-py adapters and profile exports for other validators.

Each module imports its third-party tool only inside the functions that need it, so that importing the
package (and ``fivesafes --help``) stays fast.
"""
