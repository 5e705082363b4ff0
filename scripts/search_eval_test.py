#!/usr/bin/env python3
"""Tests of search_eval.py's paired comparison: `python3 -m unittest
scripts/search_eval_test.py` (scripts/test.sh runs them)."""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from search_eval import paired, read_details  # noqa: E402

DETAILS = """# python hybrid: rank of the answer in the top 10 (0: absent)

[1] Create the init method.
    answer: _make_init  attrs/_cmp.py:75
    1. 1.511 attrs._make.add_init  attrs/_make.py:872

[0] Parse a header
that spans two lines.
    answer: parse  http/h.py:10

[3] Close the pool.
    answer: close  pool.py:4
    1. 0.900 pool.Pool.open  pool.py:1
"""


def run(ranks):
    return [((f"query {i}", f"answer {i}"), rank) for i, rank in enumerate(ranks)]


class PairedTest(unittest.TestCase):
    def test_details_are_read_with_multi_line_queries_and_absent_answers(self):
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write(DETAILS)
        try:
            got = read_details(f.name)
        finally:
            os.unlink(f.name)
        self.assertEqual(got, [
            (("Create the init method.", "_make_init  attrs/_cmp.py:75"), 1),
            (("Parse a header\nthat spans two lines.", "parse  http/h.py:10"), 0),
            (("Close the pool.", "close  pool.py:4"), 3),
        ])

    def test_a_run_against_itself_differs_by_nothing(self):
        r = paired(run([1, 0, 2, 5, 1]), run([1, 0, 2, 5, 1]), resamples=200)
        self.assertEqual(r["diff"], 0)
        self.assertEqual(r["diff_ci"], (0, 0))
        self.assertAlmostEqual(r["ratio"], 1)
        self.assertEqual((r["a_better"], r["b_better"], r["tied"]), (0, 0, 5))

    def test_pairs_follow_the_queries_not_the_order(self):
        a = run([1, 2, 0, 1])
        b = list(reversed(run([2, 2, 1, 1])))
        r = paired(a, b, resamples=200)
        self.assertAlmostEqual(r["mrr_a"], (1 + 0.5 + 0 + 1) / 4)
        self.assertAlmostEqual(r["mrr_b"], (0.5 + 0.5 + 1 + 1) / 4)
        self.assertEqual((r["a_better"], r["b_better"], r["tied"]), (1, 1, 2))

    def test_a_run_better_on_most_queries_has_an_interval_above_zero(self):
        a = run([1] * 80 + [2] * 20)
        b = run([3] * 80 + [1] * 20)
        r = paired(a, b, resamples=500)
        self.assertGreater(r["diff_ci"][0], 0)
        self.assertLessEqual(r["diff_ci"][0], r["diff"])
        self.assertLessEqual(r["diff"], r["diff_ci"][1])
        self.assertGreater(r["ratio_ci"][0], 1)

    def test_the_interval_does_not_depend_on_chance(self):
        a, b = run([1, 0, 3, 2, 1, 0, 4]), run([2, 1, 1, 0, 1, 3, 0])
        self.assertEqual(paired(a, b, resamples=300), paired(a, b, resamples=300))

    def test_runs_of_other_queries_are_refused(self):
        with self.assertRaisesRegex(ValueError, "1 only in the first, 1 only in the second"):
            paired(run([1, 2]), [(("query 0", "answer 0"), 1), (("other", "x"), 1)])
        with self.assertRaisesRegex(ValueError, "twice"):
            paired(run([1, 2]) + run([1]), run([1, 2]))
        with self.assertRaisesRegex(ValueError, "no queries"):
            paired([], [])

    def test_a_file_that_is_not_details_is_refused(self):
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write("{}\n")
        try:
            with self.assertRaises(SystemExit) as e:
                read_details(f.name)
        finally:
            os.unlink(f.name)
        self.assertIn("not a search-eval details file", str(e.exception))


if __name__ == "__main__":
    unittest.main()
