"""The code blocks of a Markdown file, as the README test runs them (README: Development, "Every
README block runs"): the fence's language, the text, and the `<!-- readme: ... -->` marker above it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

KINDS = {"sh": "sh", "bash": "sh", "shell": "sh", "console": "console", "python": "python", "yaml": "yaml"}
KINDS |= {"yml": "yaml", "toml": "toml"}  # every other fence (text, json, output) is not code
_FENCE = re.compile(r"^```(\S*)\s*$")
_MARKER = re.compile(r"^<!-- readme: (?P<what>[\w-]+)(?: (?P<detail>.*?))? -->$")
MARKERS = ("syntax-only", "serves", "mock")


@dataclass(frozen=True, slots=True)
class Block:
    path: Path
    line: int  # the fence's line, 1-based
    lang: str
    text: str
    marker: str = ""  # syntax-only, serves, mock
    detail: str = ""  # the marker's reason, URLs or serve options

    @property
    def kind(self) -> str:
        return KINDS.get(self.lang, "")

    @property
    def id(self) -> str:
        return f"{self.path.name}:{self.line}:{self.lang}"

    @property
    def section(self) -> str:
        """The heading the block sits under."""
        lines = self.path.read_text(encoding="utf-8").splitlines()[: self.line]
        return next((h.lstrip("#").strip() for h in reversed(lines) if h.startswith("#")), "")


def blocks(path: Path) -> list[Block]:
    """Every fenced block of ``path`` with a language that is code, in order."""
    found, lines = [], path.read_text(encoding="utf-8").splitlines()
    n = 0
    while n < len(lines):
        opening = _FENCE.match(lines[n])
        if not opening:
            n += 1
            continue
        end = next(i for i in range(n + 1, len(lines)) if lines[i].startswith("```"))
        above = next((lines[i] for i in range(n - 1, -1, -1) if lines[i].strip()), "")
        marker = _MARKER.match(above.strip())
        if marker and marker["what"] not in MARKERS:
            raise ValueError(f"{path}:{n}: unknown marker {marker['what']!r}; known: {', '.join(MARKERS)}")
        block = Block(
            path,
            n + 1,
            opening.group(1),
            "\n".join(lines[n + 1 : end]) + "\n",
            marker["what"] if marker else "",
            (marker["detail"] or "") if marker else "",
        )
        if block.kind:
            found.append(block)
        n = end + 1
    return found


@dataclass(frozen=True, slots=True)
class Command:
    """One ``$ command`` of a console block and the output written under it."""

    command: str
    output: str


def console_commands(text: str) -> list[Command]:
    """The ``$ `` commands of a console transcript (with their ``\\`` continuation lines) and their output."""
    commands: list[Command] = []
    lines = text.splitlines()
    n = 0
    while n < len(lines):
        if not lines[n].startswith("$ "):
            raise ValueError(f"a console block starts each command with '$ ': {lines[n]!r}")
        command = [lines[n][2:]]
        while command[-1].rstrip().endswith("\\"):
            n += 1
            command.append(lines[n])
        n += 1
        output = []
        while n < len(lines) and not lines[n].startswith("$ "):
            output.append(lines[n])
            n += 1
        commands.append(Command("\n".join(command), "\n".join(output) + "\n"))
    return commands
