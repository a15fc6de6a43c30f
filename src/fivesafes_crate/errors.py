"""The exceptions a user of the library can cause, as one tree of what the user did wrong.

Every error carries the ``path`` (the file as the user knows it: the input given, or a crate-relative name)
and the ``entity_id`` (``@id`` as written) it concerns, so that the CLI and TRE software can say *where* in one
line. Findings about a crate are never exceptions: they are :class:`~fivesafes_crate.issues.Issue` objects in
a report. An exception means the job could not be done at all. Catch a parent to handle a kind of mistake;
the CLI shows every one of them as one line and exits with status 2.

The tree, with the module of each class not defined here (a test checks it against the classes, so that it
cannot drift)::

    FiveSafesError                    anything the library raises on purpose
    ├── CrateError                    your input crate is at fault
    │   ├── CrateReadError            it cannot be read at all (missing, not a ZIP, no metadata file)
    │   │   ├── UnsafeInputError      it tries to escape its container or exhaust resources
    │   │   ├── TooLargeError         a file of it is larger than its limit (model.source)
    │   │   ├── MetadataSyntaxError   its metadata file is not JSON (model.crate)
    │   │   ├── MetadataLimitError    its metadata exceeds a size or nesting limit (model.crate)
    │   │   └── WorkflowCrateError    a local workflow is not a Workflow RO-Crate (authoring.workflow)
    │   ├── ContextUnavailable        it names a JSON-LD context that is not bundled
    │   ├── UnsupportedProfileError   it declares only Five Safes profile versions that are not supported
    │   ├── GraphBuildError           it cannot be interpreted as JSON-LD (model.graph)
    │   ├── EntityError               it lacks (or already has) the entity an edit names (model.crate)
    │   └── ConversionError           ro-crate-py cannot hold it as written
    ├── SuppliedFileError             another file you gave us is at fault
    │   ├── SpecError                 a request spec file (authoring.spec)
    │   │   └── InputFileError        an input file the spec names (authoring.spec)
    │   ├── SigningKeyError           a key file or its passphrase (signing.keys)
    │   ├── TrustStoreError           a trust store file (signing.trust)
    │   ├── DisclosurePolicyError     a disclosure policy file or preset (disclosure_control.policy)
    │   ├── EvidenceError             an evidence file for screening (disclosure_control.evidence)
    │   ├── AcroResultsError          an ACRO results folder (disclosure_control.acro)
    │   ├── DurConfigError            a Data Use Register configuration file (interop.dur)
    │   └── WorkflowMismatchError     a Workflow RO-Crate that is not the one requested (phases.retrieval)
    ├── UsageError                    an argument is not acceptable (unknown profile, stage, role, output...)
    │   ├── OutputExistsError         the output exists, and is replaced only when asked (overwrite, --force)
    │   └── UnknownInputError         an input name the workflow does not have (authoring.workflow)
    ├── CrateStateError               the crate can be read, but its state refuses the step
    │   ├── StepRefused               a step out of order, repeated, or after the end (phases.lifecycle)
    │   ├── SigningRefused            a bag that cannot be signed as it is (signing.writer)
    │   └── ExportRefused             a crate not (yet) fit for the Data Use Register (interop.dur)
    ├── TrustError                    a signature or trust check failed
    │   └── SignatureInvalid          the bag's signatures do not verify (signing.verifier)
    └── StorageError                  a place we must write to cannot be written (read-only, no permission, full)

Outside the tree, on purpose: internal exceptions that are always caught inside the library and never reach
a caller (NotRegularFile, WriteFailed, LineTooLong, MalformedEnvelope, _NonJsonConstant, _DuplicateKey,
EngineError), and ShapesError, which means that this installation's own SHACL shapes are broken: a defect to
report, never a user's mistake, so the CLI shows it as an internal error.

This module imports nothing from the package.
"""

from __future__ import annotations

import os


class FiveSafesError(Exception):
    """Base class of every error the library raises on purpose: catch it to handle them all."""

    def __init__(self, message: str, *, path: str | None = None, entity_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.entity_id = entity_id

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.path, self.entity_id) if part)
        return f"{where}: {self.message}" if where else self.message

    def lines(self) -> list[str]:
        """The error as lines to show, one per problem: ``[str(self)]``, unless the error collects several
        problems (every problem of a request spec file, each with its location)."""
        return [str(self)]


class CrateError(FiveSafesError):
    """The input crate is at fault: it cannot be read, is unsafe, or cannot be interpreted as written."""


class CrateReadError(CrateError):
    """The input cannot be opened as a crate at all (missing path, not a ZIP, no metadata file...)."""


class UnsafeInputError(CrateReadError):
    """The input tries to escape its container or exhaust resources (links, ``..`` names, ZIP bombs)."""


class ContextUnavailable(CrateError):
    """A JSON-LD context URL is not bundled with the package; it is never fetched from the network."""

    def __init__(self, url: str, *, path: str | None = None) -> None:
        super().__init__(f"JSON-LD context {url!r} is not bundled and is never fetched", path=path)
        self.url = url


class UnsupportedProfileError(CrateError):
    """The root declares only Five Safes RO-Crate profile versions this library does not support.

    Validating such a crate silently against another version would give a verdict about the wrong text, so
    the validator refuses unless a supported profile is asked for explicitly (``profile=``, ``--profile``).
    ``declared`` holds the 5s-crate IRIs the root declares, ``supported`` the IRIs of the supported versions.
    """

    def __init__(self, declared: tuple[str, ...], supported: tuple[str, ...], *, path: str | None = None,
                 entity_id: str | None = None) -> None:
        names = ", ".join(declared)
        versions = ", ".join(iri.rsplit("/", 1)[-1] for iri in supported)
        super().__init__(
            f"declares the Five Safes RO-Crate profile {names}, which is not supported (supported: "
            f"{', '.join(supported)}); to validate against one of those anyway, name it with --profile "
            f"({versions})",
            path=path,
            entity_id=entity_id,
        )
        self.declared = declared
        self.supported = supported

class ConversionError(CrateError):
    """ro-crate-py cannot hold the crate as written (or an ro-crate-py crate holds values that are not JSON).

    Defined here rather than beside the adapter so that catching it does not import ro-crate-py.
    """


class SuppliedFileError(FiveSafesError):
    """A file given beside the crate is at fault: a spec, key, trust store, policy, evidence or ACRO file."""


class UsageError(FiveSafesError):
    """An argument given to a library function or command is not acceptable (unknown profile, phase...)."""


class OutputExistsError(UsageError):
    """The output named already exists and is never replaced unless asked (``overwrite=True``, ``--force``)."""


class CrateStateError(FiveSafesError):
    """The crate can be read, but its current state refuses the step asked for; nothing was written."""


class TrustError(FiveSafesError):
    """A signature or trust check failed: the crate cannot be shown to come from whom it should."""


class StorageError(FiveSafesError):
    """A place the library must write to cannot be written: a read-only file system, no permission, a full disk.

    ``path`` is the output as the caller named it (the new crate, the ZIP, the bag a step updates), ``reason``
    the operating system's words (``read-only file system``) and ``errno`` its error number, if known. Nothing
    half-written is left behind: outputs are written to a temporary sibling and renamed into place.
    """

    def __init__(self, path: str | os.PathLike[str], reason: str, *, errno: int | None = None) -> None:
        super().__init__(f"cannot write here ({reason})", path=os.fspath(path))
        self.reason = reason
        self.errno = errno

    @classmethod
    def from_os_error(cls, error: OSError, path: str | os.PathLike[str]) -> StorageError:
        """The error for ``error`` raised while writing ``path``, in the operating system's words."""
        reason = error.strerror or str(error) or type(error).__name__
        return cls(path, reason[:1].lower() + reason[1:], errno=error.errno)
