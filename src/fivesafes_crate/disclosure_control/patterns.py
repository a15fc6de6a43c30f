"""Pattern scans over raw bytes: identifiers, secrets, and the residual degrees of freedom of model printouts.

Scans work on blocks of complete lines (bytes), so they stream. Each pattern has a cheap C-speed prefilter
(a translated copy of the block searched for a fixed shape, or a literal: ten digits, spaces or dashes for an
NHS number, a digit and two capitals for a postcode, ``@``, ``=`` or ``:`` and a key word for a password, a
run of twenty word characters for a token), so that clean data is scanned at nearly memory speed and the
regular expressions only run on blocks that may match. What a scan records is the
*kind* of match and where it is (a line number or a metadata label), never the matched text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..issues import ScreeningOutcome
from .outcomes import MAX_LOCATIONS, RuleFinding

# One translated copy of a block serves the digit-shape prefilters: digits become "0", capitals "A".
_SHAPES = bytearray(b"." * 256)
for _c in b"0123456789":
    _SHAPES[_c] = ord("0")
for _c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZ":
    _SHAPES[_c] = ord("A")
for _c in b" -":  # NHS numbers are often written 943 476 5919: separators count as digits for the prefilter
    _SHAPES[_c] = ord("0")
SHAPES = bytes(_SHAPES)
# Access tokens are long runs of word characters: a second translation finds runs of 20.
_WORD = bytearray(b"." * 256)
for _c in b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-":
    _WORD[_c] = ord("w")
WORD_RUNS = bytes(_WORD)
_TOKEN_RUN = b"w" * 20

_NHS = re.compile(rb"(?<![0-9.])([0-9]{3})[ -]?([0-9]{3})[ -]?([0-9]{4})(?![0-9.])")
_NHS_SHAPE = b"0000000000"
_POSTCODE = re.compile(rb"(?<![A-Za-z0-9])[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}(?![A-Za-z0-9])")
_EMAIL_LOCAL = re.compile(rb"[A-Za-z0-9._%+-]{1,64}\Z")
_EMAIL_DOMAIN = re.compile(rb"@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])")
_MAX_AT_SIGNS = 10_000

_PRIVATE_KEY = re.compile(rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
_PASSWORD = re.compile(
    rb"(?i)(?<![A-Za-z0-9])(?:[a-z0-9]+[_-])?(?:password|passwd|pwd|passphrase|secret|api[_-]?key|access[_-]?key"
    rb"|client[_-]?secret|(?:access|auth|api|refresh|bearer)[_-]?token)[\"']?\s*[:=]\s*[\"']?([^\s\"',;]{3,})"
)
_PASSWORD_WORDS = (b"pass", b"pwd", b"secret", b"key", b"token")
_PLACEHOLDERS = re.compile(rb"(?i)[*x.]+|null|none|true|false|redacted|<[^>]*>|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?")
_TOKENS = re.compile(
    rb"(?<![A-Za-z0-9])(?:(?:AKIA|ASIA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255}"
    rb"|xox[abposr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"
    rb"|[Bb]earer\s+[A-Za-z0-9._~+/-]{20,}=*)"
)

NEWLINE = b"\n"
NHS_NUMBER, POSTCODE, EMAIL = "NHS number", "postcode", "e-mail address"
PRIVATE_KEY, PASSWORD, TOKEN = "private key", "password or secret", "access token"
_IDENTIFIER_OUTCOME = {NHS_NUMBER: ScreeningOutcome.FAIL, POSTCODE: ScreeningOutcome.REVIEW,
                       EMAIL: ScreeningOutcome.REVIEW}
_SECRET_KINDS = (PRIVATE_KEY, PASSWORD, TOKEN)


def nhs_number_valid(digits: str) -> bool:
    """True for ten digits whose last is the NHS modulus-11 check digit of the first nine (not all one digit)."""
    if len(digits) != 10 or not digits.isdigit() or len(set(digits)) == 1:
        return False
    remainder = sum(int(d) * weight for d, weight in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    check = 11 - remainder
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _emails(block: bytes) -> Iterator[int]:
    position = block.find(b"@")
    seen = 0
    while position >= 0 and seen < _MAX_AT_SIGNS:
        seen += 1
        if _EMAIL_LOCAL.search(block, max(0, position - 64), position) and _EMAIL_DOMAIN.match(block, position):
            yield position
        position = block.find(b"@", position + 1)


def scan_block(block: bytes) -> Iterator[tuple[str, int]]:
    """``(kind, offset)`` for every identifier or secret in a block of complete lines."""
    shapes = block.translate(SHAPES)
    if _NHS_SHAPE in shapes:
        for match in _NHS.finditer(block):
            if nhs_number_valid((match.group(1) + match.group(2) + match.group(3)).decode("ascii")):
                yield NHS_NUMBER, match.start()
    if b"0AA" in shapes:
        for match in _POSTCODE.finditer(block):
            yield POSTCODE, match.start()
    if b"@" in block:
        for position in _emails(block):
            yield EMAIL, position
    if b"PRIVATE KEY" in block:
        for match in _PRIVATE_KEY.finditer(block):
            yield PRIVATE_KEY, match.start()
    if (b"=" in block or b":" in block) and any(word in block.lower() for word in _PASSWORD_WORDS):
        for match in _PASSWORD.finditer(block):
            if not _PLACEHOLDERS.fullmatch(match.group(1)):
                yield PASSWORD, match.start()
    if _TOKEN_RUN in block.translate(WORD_RUNS):
        for match in _TOKENS.finditer(block):
            yield TOKEN, match.start()


def contains_sensitive(text: str) -> bool:
    """True when ``text`` holds an identifier or a secret (labels that do are never shown)."""
    return next(scan_block(text.encode("utf-8", "replace")), None) is not None


@dataclass
class _Hits:
    count: int = 0
    locations: list[str] = field(default_factory=list)

    def add(self, location: str) -> None:
        self.count += 1
        if len(self.locations) < MAX_LOCATIONS and location not in self.locations:
            self.locations.append(location)


@dataclass
class TextScan:
    """Identifier and secret scan of a stream of blocks; see :meth:`findings`."""

    hits: dict[str, _Hits] = field(default_factory=dict)
    scanned: int = 0

    def feed(self, block: bytes, first_line: int) -> None:
        """Scan a block of complete lines whose first line has number ``first_line`` (1-based)."""
        self.scanned += 1
        for kind, offset in scan_block(block):
            self.hits.setdefault(kind, _Hits()).add(f"line {first_line + block.count(NEWLINE, 0, offset)}")

    def feed_metadata(self, data: bytes, where: str) -> None:
        """Scan one metadata value (an image text chunk, a spreadsheet cell); ``where`` labels it."""
        self.scanned += 1
        for kind, _ in scan_block(data):
            self.hits.setdefault(kind, _Hits()).add(where)

    def findings(self) -> list[RuleFinding]:
        """``sdc.identifiers`` (NHS numbers fail; postcodes and e-mail addresses need review) and ``sdc.secrets``
        (private keys, passwords, access tokens fail)."""
        return [self._finding("sdc.identifiers", tuple(_IDENTIFIER_OUTCOME), "NHS numbers, postcodes or e-mail "
                              "addresses"), self._finding("sdc.secrets", _SECRET_KINDS, "private keys, passwords or "
                                                                                       "access tokens")]

    def _finding(self, rule: str, kinds: tuple[str, ...], nothing: str) -> RuleFinding:
        found = [(kind, self.hits[kind]) for kind in kinds if kind in self.hits]
        if not found:
            return RuleFinding(rule, ScreeningOutcome.PASS, f"no {nothing} found")
        outcome = max(_IDENTIFIER_OUTCOME.get(kind, ScreeningOutcome.FAIL) for kind, _ in found)
        parts = [f"{hits.count} {kind}{'' if hits.count == 1 else 's'}" for kind, hits in found]
        locations = [f"{location} ({kind})" for kind, hits in found for location in hits.locations]
        total = sum(hits.count for _, hits in found)
        return RuleFinding(rule, outcome, f"found {', '.join(parts)} (not shown)", flagged=total,
                           locations=tuple(locations[:MAX_LOCATIONS]))


_MODEL_HINTS = re.compile(
    rb"Dep\. Variable|R-squared|Df Residuals|Df Model|Omnibus|Durbin-Watson|Jarque-Bera|Log-Likelihood|std err"
    rb"|Std\. Error|Pr\(>\|[tz]\|\)|P>\|[tz]\||degrees of freedom|Number of obs|Residual standard error"
    rb"|Coefficients:|(?<![A-Za-z])coef(?![A-Za-z])"
)
_DOF_PATTERNS = (
    (b"Df Residuals", re.compile(rb"Df Residuals:?[\s,;|\"]*([0-9]+)")),
    (b"degrees of freedom", re.compile(rb"on ([0-9]+) degrees of freedom")),
    (b"DF", re.compile(rb"on [0-9]+ and ([0-9]+) DF")),
    (b"F(", re.compile(rb"F\(\s*[0-9]+\s*,\s*([0-9]+)\s*\)")),
    (b"Residual", re.compile(rb"(?m)^\s*Residual\s*\|\s*[-+0-9.eE]+\s+([0-9]+)\s")),
)
_OBSERVATIONS = re.compile(rb"Number of obs\s*=\s*([0-9][0-9,]*)")


def looks_like_model_output(head: bytes) -> bool:
    """True when the start of a file reads like a statsmodels, R or Stata model printout."""
    return _MODEL_HINTS.search(head) is not None


@dataclass
class DofScan:
    """Residual degrees of freedom and numbers of observations stated in a model printout."""

    dofs: list[int] = field(default_factory=list)
    observations: list[int] = field(default_factory=list)

    def feed(self, block: bytes) -> None:
        """Collect what a block of complete lines states."""
        for literal, pattern in _DOF_PATTERNS:
            if literal in block:
                self.dofs.extend(int(m.group(1)) for m in pattern.finditer(block))
        if b"Number of obs" in block:
            self.observations.extend(int(m.group(1).replace(b",", b"")) for m in _OBSERVATIONS.finditer(block))

    def finding(self, threshold: int, evidence_dof: int | None = None, summary: str | None = None) -> RuleFinding:
        """``sdc.dof``: fail below ``threshold``, pass at or above it, review when the printout states none
        (``summary`` names the file of the same model that states them, such as ACRO's ``output_3_0.csv``).

        The degrees of freedom themselves are not repeated in the message.
        """
        dofs = [*self.dofs, *([] if evidence_dof is None else [evidence_dof])]
        if dofs:
            lowest = min(dofs)
            if lowest < threshold:
                return RuleFinding("sdc.dof", ScreeningOutcome.FAIL,
                                   f"residual degrees of freedom below the threshold of {threshold}",
                                   flagged=sum(1 for d in dofs if d < threshold), checked=len(dofs))
            return RuleFinding("sdc.dof", ScreeningOutcome.PASS,
                               f"residual degrees of freedom at or above the threshold of {threshold}",
                               checked=len(dofs))
        if self.observations and min(self.observations) < threshold:
            return RuleFinding("sdc.dof", ScreeningOutcome.FAIL,
                               f"fewer observations than the degrees-of-freedom threshold of {threshold}",
                               flagged=1, checked=len(self.observations))
        where = (f"ACRO states them in the model's summary, {summary}: give the evidence (--evidence), or check "
                 "that file" if summary else "give the evidence (--evidence) or check them by hand")
        return RuleFinding("sdc.dof", ScreeningOutcome.REVIEW,
                           f"model output that states no residual degrees of freedom: {where}")
