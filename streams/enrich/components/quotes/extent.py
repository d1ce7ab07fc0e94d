"""Which quoted stretches are reported: those whose closing mark was found.

A stretch that a mark opens and never closes has no known extent: after a stray or lost mark it
runs to the end of the paragraph (a guess), and the paragraphs of a quotation that runs over
several (the opening mark repeated at each paragraph start, closed only at the end of the last)
are quoted by convention, not by a pair of marks. The gold sets annotate only stretches between
an opening and a closing double mark (0 of 81 unclosed stretches on PolNeAR dev + train 1–300),
so by default only the closed segments of a quote are reported; the speaker found for the whole
quotation stays with its closed segments.
"""

from __future__ import annotations

from streams.enrich.components.quotes.state import Found


def closed_only(found: list[Found]) -> tuple[list[Found], list[Found]]:
    """``found`` with the unclosed segments of direct and mixed quotes left out, and the quotes
    left with no closed segment (not reported; their speakers still count as the article's
    recent speakers). Indirect speech and transcript turns are kept as they are."""
    kept: list[Found] = []
    unreported: list[Found] = []
    for f in found:
        if f.kind != "indirect" and len(f.marks) == len(f.segments):
            keep = [(seg, q) for seg, q in zip(f.segments, f.marks) if q.close_mark is not None]
            if not keep:
                unreported.append(f)
                continue
            f.segments = [seg for seg, _ in keep]
            f.marks = [q for _, q in keep]
        kept.append(f)
    return kept, unreported
