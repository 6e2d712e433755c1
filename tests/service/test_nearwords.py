"""Edit distances for "Bedoelde u" (`service.nearwords`): one table gives the distance to every
prefix of a word, as a table per prefix would."""

from __future__ import annotations

import random

from service.nearwords import NearWords, distance, prefix_distances


def test_one_table_gives_every_prefix_its_distance() -> None:
    rng = random.Random(4)
    for _ in range(2000):
        a = "".join(rng.choice("abde") for _ in range(rng.randint(0, 7)))
        b = "".join(rng.choice("abde") for _ in range(rng.randint(0, 9)))
        limit = rng.randint(0, 2)
        row = prefix_distances(a, b, limit)
        each = [distance(a, b[:k], limit) for k in range(len(b) + 1)]
        if row:
            assert [min(d, limit + 1) for d in row] == each, (a, b, limit)
        else:
            assert all(d > limit for d in each), (a, b, limit)


def test_a_swap_is_one_edit_and_other_forms_are_found() -> None:
    assert distance("bugdet", "budget", 1) == 1
    near = NearWords(["buurtbudgetten", "buurtbudget", "budget", "buurthuis"])
    assert (1, "buurtbudget") in near.within("buurtbugdet", 2)
    assert (1, "buurtbudgetten") in near.starting_near("buurtbugdet", 2)
