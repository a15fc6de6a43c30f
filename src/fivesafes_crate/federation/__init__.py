"""Federated analysis across TREs: one request split to every node, their results gathered into a summary crate.

* :mod:`.split` writes one packed request per TRE, each carrying the same federated identifier;
* :mod:`.gather` nests each node's returned bag untouched under ``nodes/<tre>/`` of a summary crate (RO-Crate 1.2
  "referencing other RO-Crates") and records one action per node with its outcome;
* :mod:`.pool` adds the aggregation of the nodes' tables and its own disclosure screening, with a differencing
  check between each node's table and the pooled total;
* :mod:`.summary` reads a summary crate back: its nodes, for validation and verification node by node.
"""
