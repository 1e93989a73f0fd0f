"""Problems found in imported data and the French report of a rejected import."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..fr import nombre

MAX_SHOWN = 20
MAX_VALUE_CHARS = 60


@dataclass(frozen=True, order=True)
class Problem:
    """One violated rule: where (file, row, column), what value, which rule."""

    source: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    rule: str = ""
    # The value is personal data (name, NIR, birth date, matricule): never repeated.
    personal: bool = False

    def describe(self) -> str:
        parts = [f"Fichier {self.source}"]
        if self.row is not None:
            parts.append(f"ligne {nombre(self.row)}")
        if self.column:
            parts.append(f"colonne « {self.column} »")
        where = ", ".join(parts)
        if self.value is not None and not self.personal:
            shown = self.value if len(self.value) <= MAX_VALUE_CHARS else self.value[:MAX_VALUE_CHARS] + "…"
            where += f", valeur « {shown} »"
        elif self.value is not None:
            where += ", valeur masquée (donnée personnelle)"
        return f"{where} : {self.rule}"


@dataclass
class ImportRejected(Exception):
    """The import was refused; nothing was changed. Holds the first problems and their count."""

    problems: list[Problem] = field(default_factory=list)
    total: int = 0

    def __post_init__(self) -> None:
        self.total = max(self.total, len(self.problems))
        super().__init__(self.report())

    def report(self) -> str:
        shown = sorted(self.problems, key=lambda p: (p.source, p.row or 0, p.column or ""))[:MAX_SHOWN]
        lines = [
            f"Import refusé : {nombre(self.total)} erreur{'s' if self.total > 1 else ''} "
            "trouvée" + ("s" if self.total > 1 else "") + ". L'entrepôt n'a pas été modifié."
        ]
        lines += [f"  - {p.describe()}" for p in shown]
        if self.total > len(shown):
            lines.append(f"  … et {nombre(self.total - len(shown))} autre(s) erreur(s).")
        return "\n".join(lines)
