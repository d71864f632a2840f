"""Total-fit line breaking (Knuth and Plass, "Breaking paragraphs into lines", 1981): all the breaks of a
paragraph chosen together, so that no line is much looser than its neighbours and hyphens do not pile
up. Pure: items in, the chosen break positions out. What the items are (words, spaces, hyphenation
points) and how they are measured is the caller's business (typeset.py)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

INFINITY = 10_000  # a penalty this high forbids a break, this low forces one (TeX's convention)


@dataclass(frozen=True, slots=True)
class Box:
    """Unbreakable material. A box may stretch and shrink too: the no-break spaces inside a word group
    are widened by justification like word spaces (WeasyPrint counts them)."""

    width: float
    stretch: float = 0.0
    shrink: float = 0.0


@dataclass(frozen=True, slots=True)
class Glue:
    """A word space: a break opportunity, dropped when a line ends there."""

    width: float
    stretch: float
    shrink: float


@dataclass(frozen=True, slots=True)
class Penalty:
    """A possible break inside a word: `width` is what the line gets when it ends here (the hyphen)."""

    width: float
    cost: float
    flagged: bool


Item = Box | Glue | Penalty


@dataclass(frozen=True)
class Settings:
    """TeX's parameters, under their TeX names where they have one."""

    line_penalty: float = 10             # \linepenalty
    hyphen_penalty: float = 100          # \hyphenpenalty: a break at a hyphenation point
    explicit_hyphen_penalty: float = 50  # \exhyphenpenalty: a break after a hyphen in the text
    space_stretch: float = 0.5           # a word space may grow by this share of its width
    letters_before_hyphen: int = 2       # \lefthyphenmin
    letters_after_hyphen: int = 3        # \righthyphenmin
    double_hyphen_demerits: float = 10_000  # \doublehyphendemerits: two hyphenated lines in a row
    triple_hyphen_demerits: float = 100_000  # ours: a third one in a row
    final_hyphen_demerits: float = 50_000   # \finalhyphendemerits: a hyphen on the last full line
    adjacent_demerits: float = 10_000    # \adjdemerits: a tight line next to a loose one
    passes: tuple[tuple[float, bool, float], ...] = ((1.5, False, 0.0), (2.0, True, 0.0), (4.0, True, 0.0),
                                                     (4.0, True, 0.1))
    """(tolerance as the greatest stretch ratio, hyphenation on, emergency stretch as a share of the
    line width): the first pass that finds a set of breaks wins, as in TeX."""


@dataclass(slots=True)
class _Node:
    position: int          # index of the break item; -1 for the paragraph's start
    line: int
    fitness: int
    width: float           # sums of the items before the next line's first item
    stretch: float
    shrink: float
    demerits: float
    flagged: bool
    hyphens_in_a_row: int
    previous: _Node | None


def _fitness(ratio: float) -> int:
    if ratio < -0.5:
        return 0  # tight
    if ratio <= 0.5:
        return 1  # decent
    return 2 if ratio <= 1 else 3  # loose, very loose


def break_lines(items: list[Item], first_width: float, width: float,
                settings: Settings = Settings()) -> tuple[int, ...] | None:
    """The indices of the items where lines end (the last item, a forced break, included), or None
    when no pass sets the paragraph without an overfull line. The items end with a forced break."""
    sums = _Sums(items)
    for tolerance, hyphenate, emergency in settings.passes:
        breaks = _one_pass(items, sums, first_width, width, settings, tolerance, hyphenate, emergency * width)
        if breaks is not None:
            return breaks
    return None


class _Sums:
    """What every pass over a paragraph needs, found once: the running sums of the widths, stretches
    and shrinks of the boxes and glue before each item (added in the items' order, as a pass added
    them), and the places a line may end, with hyphenation and without."""

    def __init__(self, items: list[Item]) -> None:
        self._kinds = kinds = list(map(type, items))
        boxes_and_glue = [(0.0, 0.0, 0.0) if kind is Penalty else (item.width, item.stretch, item.shrink)
                          for kind, item in zip(kinds, items)]
        self.width, self.stretch, self.shrink = (list(itertools.accumulate(column, initial=0.0))
                                                 for column in zip(*boxes_and_glue))
        self.breakable = [index for index, (kind, previous) in enumerate(zip(kinds, [None, *kinds]))
                          if (kind is Glue and previous is Box) or (kind is Penalty and items[index].cost < INFINITY)]
        # a pass without hyphenation breaks at no hyphenation point, but still where it must
        self.unhyphenated = [index for index in self.breakable if kinds[index] is not Penalty
                             or not items[index].flagged or items[index].cost <= -INFINITY]

    def after(self, index: int) -> tuple[float, float, float]:
        """The running sums where the line after a break at `index` starts: the glue and penalties
        right after a break are dropped, as TeX drops them."""
        start = index
        while start < len(self._kinds) and self._kinds[start] is not Box:
            start += 1
        return self.width[start], self.stretch[start], self.shrink[start]


def _one_pass(items: list[Item], sums: _Sums, first_width: float, width: float, settings: Settings,
              tolerance: float, hyphenate: bool, emergency: float) -> tuple[int, ...] | None:
    active = [_Node(-1, 0, 1, 0.0, 0.0, 0.0, 0.0, False, 0, None)]
    for index in sums.breakable if hyphenate else sums.unhyphenated:
        active = _try_break(items, index, active, sums, first_width, width, settings, tolerance, emergency)
        if not active:
            return None
    best = min(active, key=lambda node: node.demerits) if active else None
    if best is None or best.position != len(items) - 1:
        return None
    breaks = []
    while best is not None and best.position >= 0:
        breaks.append(best.position)
        best = best.previous
    return tuple(reversed(breaks))


def _try_break(items: list[Item], index: int, active: list[_Node], sums: _Sums, first_width: float,
               width: float, settings: Settings, tolerance: float, emergency: float) -> list[_Node]:
    item = items[index]
    sum_width, sum_stretch, sum_shrink = sums.width[index], sums.stretch[index], sums.shrink[index]
    is_penalty = type(item) is Penalty
    cost = item.cost if is_penalty else 0.0
    flagged = is_penalty and item.flagged
    forced = is_penalty and cost <= -INFINITY
    kept: list[_Node] = []
    best: dict[int, tuple[float, _Node]] = {}  # fitness -> (total demerits, from node)
    for node in active:
        available = first_width if node.line == 0 else width
        natural = sum_width - node.width + (item.width if is_penalty else 0.0)
        if natural < available:
            stretch = sum_stretch - node.stretch + emergency
            ratio = (available - natural) / stretch if stretch > 0 else float("inf")
        elif natural > available:
            shrink = sum_shrink - node.shrink
            ratio = (available - natural) / shrink if shrink > 0 else float("-inf")
        else:
            ratio = 0.0
        if ratio < -1 or forced:
            pass  # this node can never start a feasible line through here again
        else:
            kept.append(node)
        if -1 <= ratio <= tolerance:
            demerits = _demerits(ratio, cost, flagged, forced, node, settings)
            fitness = _fitness(ratio)
            if abs(fitness - node.fitness) > 1:
                demerits += settings.adjacent_demerits
            total = node.demerits + demerits
            if fitness not in best or total < best[fitness][0]:
                best[fitness] = (total, node)
    if best:
        after = sums.after(index)
        for fitness, (total, node) in sorted(best.items()):
            kept.append(_Node(index, node.line + 1, fitness, *after, total, flagged,
                              node.hyphens_in_a_row + 1 if flagged else 0, node))
    return kept


def _demerits(ratio: float, cost: float, flagged: bool, forced: bool, node: _Node, settings: Settings) -> float:
    badness = 100 * abs(ratio) ** 3
    demerits = (settings.line_penalty + badness) ** 2
    if cost >= 0:
        demerits += cost ** 2
    elif not forced:
        demerits -= cost ** 2
    if flagged and node.flagged:
        demerits += settings.double_hyphen_demerits
        if node.hyphens_in_a_row >= 2:
            demerits += settings.triple_hyphen_demerits
    if forced and node.flagged:
        demerits += settings.final_hyphen_demerits
    return demerits
