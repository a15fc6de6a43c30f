"""The read side: what a crate says, read safely. Every layer above builds on it; it changes no crate.

Below it are only :mod:`fivesafes_crate.contexts`, :mod:`~fivesafes_crate.issues`, :mod:`~fivesafes_crate.errors`
and :mod:`~fivesafes_crate.untrusted`. A function that takes a crate and returns a fact lives here; one that
changes a crate lives in :mod:`fivesafes_crate.phases`.

- :mod:`.source`: opening a crate in any form (folder, metadata file, bag folder, ZIP) behind the input guards
  (names, links, sizes, entry counts), and the crate's file names;
- :mod:`.safe_files` and :mod:`.folders`: the one implementation of each file guard (open a regular file without
  following links, create exclusively, hash) and the folder primitives for atomic replacement;
- :mod:`.crate`: the metadata as written, parsed with guards (``Crate``, and ``CrateEditor`` for the writers);
- :mod:`.entities`: reading entities (references, types, statuses, the stage a crate has reached);
- :mod:`.vocab`: the IRIs and terms of the profile; :mod:`.graph` (with :mod:`._pyld`): JSON-LD to RDF,
  offline, and RDF nodes back to ``@id``\\ s;
- :mod:`.lifecycle`: the review steps and statuses, the actions a crate records, its lifecycle state and
  timeline;
- :mod:`.reviews`: the disclosure check's per-output reviews, the outputs in scope, recorded verdicts and
  withheld outputs.

This package imports nothing on import: import the module you need.
"""
