"""The manuscript's plain-text syntax that more than one stage reads: normalization must not touch a
separator line, and the parser turns it into a section break."""

from __future__ import annotations

import re

SEPARATOR = re.compile(r"^[_\-*=]{3,}$")  # ---, ***, ===, ___: a section break
