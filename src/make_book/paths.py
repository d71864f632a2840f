"""One rule for every file the build reads from the user's folders: it must stay inside its folder once
links are followed. A link in a contributor's pull request must never publish a file of the machine."""

from __future__ import annotations

from pathlib import Path

from make_book.errors import MakeBookError


def confined(path: Path, root: Path, folder: str) -> Path:
    """`path` with its links resolved; an error naming `path` when that leaves `root` (`folder` names
    the folder in the message: "manuscript folder")."""
    resolved = path.resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise MakeBookError(f"leads outside the {folder} (a link to a file elsewhere on this machine): "
                            "refused, nothing of it is read", path)
    return resolved
