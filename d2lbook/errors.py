"""Diagnostics: errors and warnings that name ``file:line``, collected so that
one run reports many problems, not only the first."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TextIO


class D2LBookError(Exception):
    """The toolchain's own error type; every failure on bad input is one of these."""


@dataclass(frozen=True)
class Loc:
    """A place in the source: a path relative to the book root and a 1-based line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class Diagnostic:
    severity: str  # "error" or "warning"
    message: str
    loc: Loc | None = None
    file: str | None = None  # a file outside the book (e.g. config.ini), when loc is None
    code: str = ""  # a short name for the kind of problem, e.g. "missing-toc-entry"

    def __str__(self) -> str:
        where = str(self.loc) if self.loc else (self.file or "")
        prefix = f"{where}: " if where else ""
        return f"{prefix}{self.severity}: {self.message}"


class BuildError(D2LBookError):
    """Raised when a step found errors; holds all of them."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        super().__init__("\n".join(str(d) for d in diagnostics))


# Source defects that d2lbook 1.0.3 tolerates: by default they are warnings and the
# build goes on the way the reference does (the later definition wins, an unknown
# reference shows as "??"); ``--strict`` or ``[build] warning_is_error = True`` make
# them errors. What makes output impossible (bad UTF-8, an unclosed fence) is never here.
TOLERATED = {
    "unknown-ref": "reference to an unknown label",
    "duplicate-label": "label defined twice",
    "unclosed-tab": "tab block closed implicitly",
    "saved-twice": "name saved twice in the library",
    "unmapped-rst": "eval_rst passed through unmapped",
}


@dataclass
class Diagnostics:
    items: list[Diagnostic] = field(default_factory=list)
    strict: bool = False
    _reported: int = 0
    _seen: set[str] = field(default_factory=set)

    def error(self, loc: Loc | None, message: str, file: str | None = None,
              code: str = "") -> None:
        severity = "warning" if code in TOLERATED else "error"
        self.items.append(Diagnostic(severity, message, loc, file, code))

    def downgrade(self, code: str) -> None:
        """Turn errors of one kind into warnings (for steps they cannot affect)."""
        for d in self.items:
            if d.code == code:
                d.severity = "warning"

    def warning(self, loc: Loc | None, message: str, file: str | None = None,
                code: str = "") -> None:
        self.items.append(Diagnostic("warning", message, loc, file, code))

    def summary(self) -> str:
        """``N warning(s) (kind: n, ...)``, counting each distinct message once."""
        counts: dict[str, int] = {}
        seen: set[str] = set()
        for d in self.warnings:
            if str(d) in seen:
                continue
            seen.add(str(d))
            kind = d.code or "other"
            counts[kind] = counts.get(kind, 0) + 1
        n = sum(counts.values())
        if not n:
            return "0 warnings"
        kinds = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=lambda x: -x[1]))
        return f"{n} warning(s) ({kinds})"

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "error" or self.strict]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "warning"]

    def raise_if_errors(self) -> None:
        if self.errors:
            raise BuildError(self.errors)

    def report_failure(self, error: BuildError, stream: TextIO | None = None) -> None:
        """Print what stopped a build: the diagnostics not printed yet, those of ``error``
        that are not among them, and the closing line."""
        stream = stream or sys.stderr
        self.report(stream)
        for d in error.diagnostics:
            if d not in self.items:
                print(d, file=stream)
        print(f"d2lbook: {len(error.diagnostics)} error(s); nothing written", file=stream)

    def report(self, stream: TextIO | None = None) -> None:
        """Print the diagnostics not printed before (each distinct message once)."""
        stream = stream or sys.stderr
        for d in self.items[self._reported:]:
            text = str(d)
            if self.strict and d.severity == "warning":  # --strict: every warning fails
                text = str(Diagnostic("error", d.message, d.loc, d.file, d.code))
            if text not in self._seen:
                self._seen.add(text)
                print(text, file=stream)
        self._reported = len(self.items)
