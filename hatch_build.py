"""Hatchling build hook: the Profile Crates are generated when the package is built, never committed.

``scripts/gen_profiles.py`` is the one generator (from ``shapes/``, ``docs/reference/``, ``profiles/metadata.toml``
and ``fivesafes_crate.profiles``); this hook calls its ``write()`` on the tree being built, with that tree's
``src/`` first on the path, so that the crates describe exactly the shapes that ship:

- a wheel gets them as ``fivesafes_crate/profile-crates/`` (written to a scratch folder and force-included);
- an editable install (``pip install -e .``) imports the package from ``src/``, so they are written to
  ``src/fivesafes_crate/profile-crates/`` (git-ignored), where ``importlib.resources`` finds them as it does
  in an installed wheel.

The generator imports the package, so the hook asks for the runtime dependencies (``pyproject.toml``).
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PACKAGED = "fivesafes_crate/profile-crates"
"""Where the Profile Crates live inside the package, in a wheel and in ``src/`` alike."""


class ProfileCratesHook(BuildHookInterface):
    """Writes the Profile Crates into the wheel being built (or, editable, beside the package sources)."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Generate the crates before hatchling collects the wheel's files."""
        root = Path(self.root)
        if version == "editable":
            _generate(root, root / "src" / PACKAGED)
            return
        self._scratch = tempfile.TemporaryDirectory(prefix="profile-crates-")
        folder = Path(self._scratch.name) / "profile-crates"
        _generate(root, folder)
        build_data["force_include"][str(folder)] = PACKAGED

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        """Remove the scratch folder once the wheel is written."""
        scratch = getattr(self, "_scratch", None)
        if scratch is not None:
            scratch.cleanup()


def _generate(root: Path, dest: Path) -> None:
    # In the backend's own process, not a child: pip's build isolation drops from a child's path any folder an
    # installed .pth names, which an earlier editable install makes of src/.
    sys.path.insert(0, str(root / "src"))  # the package of the tree being built, ahead of any installed one
    spec = importlib.util.spec_from_file_location("gen_profiles", root / "scripts" / "gen_profiles.py")
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {root / 'scripts' / 'gen_profiles.py'}")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    generator.write(dest)
