"""A synthetic Dutch corpus for `make bench PASSAGES=N`: Markdown posts like the real ones.

Words are drawn from wordfreq's Dutch frequency list (a Zipf vocabulary: common words often,
rare words seldom), so posting lists have the lengths a real site of that size would have.
Each file is a post with YAML front matter (title, date, url, categories, tags, author) and
8-12 sections of one heading and one 55-140-word paragraph each, which the indexer cuts into
one passage per section. Everything follows from the seed: the same N and seed give the same
files, so runs on different days and branches measure the same thing.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from pathlib import Path

VOCABULARY = 40_000  # the commonest Dutch words; rarer ones add nothing but misspellings
CATEGORIES = [
    "Sociaal domein",
    "Wmo",
    "Jeugdhulp",
    "Participatie",
    "Aanbesteden",
    "Burgerinitiatief",
    "Zorg",
    "Wonen",
    "Werk en inkomen",
    "Onderwijs",
    "Gemeenteraad",
    "Kennisbank",
]
AUTHORS = ["Hanneke Stolp", "Pieter de Vries", "Aylin Demir", "Joost Bakker", "Marieke Jansen"]


@dataclass(frozen=True)
class Vocabulary:
    words: list[str]
    cumulative: list[float]  # cumulative frequencies, for random.choices
    mid: list[str]  # mid-frequency words (Zipf 3-4.5): what queries and titles are made of

    def sample(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cumulative, k=k)


def vocabulary() -> Vocabulary:
    from wordfreq import top_n_list, zipf_frequency

    words = [w for w in top_n_list("nl", VOCABULARY * 2) if w.isalpha() and len(w) > 1][:VOCABULARY]
    zipfs = [zipf_frequency(w, "nl") for w in words]
    cumulative = list(itertools.accumulate(10 ** (z - 9) for z in zipfs))
    mid = [w for w, z in zip(words, zipfs, strict=True) if 3.0 <= z <= 4.5 and len(w) >= 4]
    return Vocabulary(words, cumulative, mid)


def _sentence(rng: random.Random, vocab: Vocabulary, n: int) -> str:
    words = vocab.sample(rng, n)
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _paragraph(rng: random.Random, vocab: Vocabulary, n_words: int) -> str:
    sentences = []
    while n_words > 0:
        n = min(n_words, rng.randint(8, 20))
        sentences.append(_sentence(rng, vocab, max(n, 2)))
        n_words -= n
    return " ".join(sentences)


def _title(rng: random.Random, vocab: Vocabulary, lo: int, hi: int) -> str:
    words = rng.sample(vocab.mid, rng.randint(lo, hi))
    return words[0].capitalize() + " " + " ".join(words[1:])


def post(rng: random.Random, vocab: Vocabulary, n: int, sections: int) -> str:
    year = 2010 + n % 15
    day = f"{year}-{1 + n % 12:02d}-{1 + n % 28:02d}"
    title = _title(rng, vocab, 3, 7)
    categories = rng.sample(CATEGORIES, rng.randint(1, 3))
    tags = rng.sample(vocab.mid, rng.randint(2, 5))
    lines = [
        "---",
        f'title: "{title}"',
        f"date: {day}",
        f"url: https://bench.example.nl/{year}/{n:06d}/",
        f"categories: [{', '.join(categories)}]",
        f"tags: [{', '.join(tags)}]",
        f'author: "{rng.choice(AUTHORS)}"',
        "---",
        "",
    ]
    for _ in range(sections):
        lines += [f"## {_title(rng, vocab, 2, 5)}", "", _paragraph(rng, vocab, rng.randint(55, 140)), ""]
    return "\n".join(lines)


def generate(folder: Path, passages: int, seed: int = 20261201) -> int:
    """Write posts into `folder` until they hold about `passages` passages; returns the count."""
    rng = random.Random(seed)
    vocab = vocabulary()
    folder.mkdir(parents=True, exist_ok=True)
    written = n = 0
    while written < passages:
        sections = min(rng.randint(8, 12), max(1, passages - written))
        sub = folder / f"{n // 1000:03d}"
        sub.mkdir(exist_ok=True)
        (sub / f"post-{n:06d}.md").write_text(post(rng, vocab, n, sections), encoding="utf-8")
        written += sections
        n += 1
    return written


def queries(count: int, seed: int = 7) -> list[str]:
    """Mid-frequency queries of one to four words, like the topics visitors type."""
    rng = random.Random(seed)
    vocab = vocabulary()
    return [" ".join(rng.sample(vocab.mid, rng.choice((1, 2, 2, 3, 3, 4)))) for _ in range(count)]
