"""While a month is produced, Python's garbage collector leaves alone what was alive when it began
(run.collector_skips_what_lives_on): the extracts and the libraries are not walked again at every
collection while the pack makes its many small objects. Everything is given back afterwards."""

import gc

from fostering_scorecard import run


def test_what_is_frozen_is_given_back_and_a_block_inside_another_keeps_the_outer_frozen():
    assert gc.get_freeze_count() == 0
    with run.collector_skips_what_lives_on():
        frozen = gc.get_freeze_count()
        assert frozen > 0  # at least this test's own objects
        with run.collector_skips_what_lives_on():  # e.g. run_month inside a caller's own block
            pass
        assert gc.get_freeze_count() == frozen  # the inner block did not unfreeze the outer one's
    assert gc.get_freeze_count() == 0
