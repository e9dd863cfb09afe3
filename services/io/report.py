"""What an import did: counts, and the position and reason of every record that failed."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ImportReport:
    """Counts of an import run and the problems met, each with its position in the file."""

    imported: int = 0
    updated: int = 0  # stored cards replaced by the file's (--on-duplicate update)
    skipped: int = 0
    failed: int = 0
    warnings: int = 0  # repairs: a property not read, a value re-read, a card without END
    groups: int = 0  # vCard group cards (KIND:group) stored as groups with their members
    problems: list[tuple[str, str]] = field(default_factory=list)  # (position, message)
    # Called with each problem as it happens (the CLI prints them right away).
    on_problem: object = None

    def fail(self, position: str, message: str) -> None:
        """Count a record that could not be imported and remember why."""
        self.failed += 1
        self._note(position, message)

    def skip(self, position: str, message: str) -> None:
        """Count a record left out on purpose (e.g. its id is already in the store)."""
        self.skipped += 1
        self._note(position, f"skipped: {message}")

    def warn(self, position: str, message: str) -> None:
        """Count a repair made to a record that was imported all the same, and say what it was."""
        self.warnings += 1
        self._note(position, f"warning: {message}")

    def _note(self, position: str, message: str) -> None:
        if len(self.problems) < 1000:  # keep memory bounded on a hopeless file
            self.problems.append((position, message))
        if callable(self.on_problem):
            self.on_problem(position, message)

    def summary(self) -> str:
        """The one-line summary the CLI prints last."""
        return (f"imported {self.imported}, updated {self.updated}, skipped {self.skipped}, "
                f"failed {self.failed}, warnings {self.warnings}" + (f", groups {self.groups}" if self.groups else ""))


class RecordError(ValueError):
    """A record of an input file that cannot become a card; the message names the problem."""
