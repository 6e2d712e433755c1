"""Cut extracted text into passages of roughly 50-150 words.

Input is a list of Blocks (paragraphs or headings with their page and offsets), in reading
order. Consecutive paragraphs are merged until a passage holds at least `min_words`; a
paragraph longer than `max_words` is cut at sentence ends. A passage never crosses a page, and
a new heading starts a new passage once the current one is worth keeping on its own. Each
passage remembers the heading it falls under; a heading applies until the next one (an empty
heading block ends it without a new one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .documents import Passage

_SENTENCE_END = re.compile(r"(?<=[.!?…:;])\s+(?=[\"'“‘(\[]?[A-Z0-9À-ÖØ-Þ])")


@dataclass(frozen=True, slots=True)
class Block:
    text: str
    page: int | None = None
    start: int = 0  # offset of the block in its page (or body) text
    is_heading: bool = False


def _sentences(block: Block) -> list[Block]:
    pieces: list[Block] = []
    pos = 0
    for match in _SENTENCE_END.finditer(block.text):
        pieces.append(_slice(block, pos, match.start()))
        pos = match.end()
    pieces.append(_slice(block, pos, len(block.text)))
    return [p for p in pieces if p.text]


def _slice(block: Block, start: int, end: int) -> Block:
    return Block(block.text[start:end].strip(), block.page, block.start + start)


def _pieces(block: Block, max_words: int) -> list[Block]:
    """The block itself, or its sentences (and word windows) when it is too long."""
    if len(block.text.split()) <= max_words:
        return [block]
    out: list[Block] = []
    for sentence in _sentences(block):
        words = sentence.text.split()
        if len(words) <= max_words:
            out.append(sentence)
            continue
        # A "sentence" without end marks (a table, a list without punctuation): cut by words.
        offset = 0
        for i in range(0, len(words), max_words):
            chunk = " ".join(words[i : i + max_words])
            found = sentence.text.find(words[i], offset)
            offset = max(found, offset)
            out.append(Block(chunk, sentence.page, sentence.start + offset))
    return out


def make_passages(blocks: list[Block], min_words: int = 50, max_words: int = 150) -> list[Passage]:
    passages: list[Passage] = []
    heading = ""
    current: list[Block] = []
    current_words = 0
    current_heading = ""

    def flush() -> None:
        nonlocal current, current_words
        if current:
            text = "\n".join(b.text for b in current)
            last = current[-1]
            passages.append(
                Passage(
                    text=text,
                    page=current[0].page,
                    heading=current_heading,
                    start=current[0].start,
                    end=last.start + len(last.text),
                )
            )
        current, current_words = [], 0

    for block in blocks:
        if block.is_heading:
            # An empty heading ends the one before it (after a table of contents).
            if current_words >= min_words // 2:
                flush()
            heading = block.text.strip()
            if not current:
                current_heading = heading
            continue
        if not block.text.strip():
            continue
        for piece in _pieces(block, max_words):
            words = len(piece.text.split())
            same_page = not current or current[0].page == piece.page
            if current and (not same_page or current_words + words > max_words):
                flush()
            if not current:
                current_heading = heading
            current.append(piece)
            current_words += words
            if current_words >= min_words:
                flush()
    flush()
    return _merge_short_tails(passages, min_words, max_words)


def _merge_short_tails(passages: list[Passage], min_words: int, max_words: int) -> list[Passage]:
    """Fold a short passage into its predecessor on the same page when the result stays small."""
    out: list[Passage] = []
    for p in passages:
        words = len(p.text.split())
        if out and words < min_words // 2 and out[-1].page == p.page:
            prev = out[-1]
            if len(prev.text.split()) + words <= max_words * 1.3:
                out[-1] = Passage(
                    text=prev.text + "\n" + p.text,
                    page=prev.page,
                    heading=prev.heading,
                    start=prev.start,
                    end=p.end,
                )
                continue
        out.append(p)
    return out
