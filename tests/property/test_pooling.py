"""Pooling by summation and the differencing check, on any tables of counts."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from fivesafes_crate.federation.pool import Table, differencing, pool_tables

KEYS = ["a", "b", "c", "d"]
counts = st.integers(min_value=0, max_value=60)
node_table = st.dictionaries(st.sampled_from(KEYS), counts, min_size=1)


@settings(max_examples=200, deadline=None)
@given(st.lists(node_table, min_size=1, max_size=4), st.integers(min_value=1, max_value=20))
def test_the_pool_is_the_sum_and_differencing_flags_exactly_the_close_cells(
        nodes: list[dict[str, int]], threshold: int) -> None:
    tables = [(f"n{i}", Table(["key", "n"], [[k, str(v)] for k, v in rows.items()])) for i, rows in enumerate(nodes)]
    pooled, summed, by_node = pool_tables(tables)
    totals = {row[0]: int(row[1]) for row in pooled.rows}
    assert summed == [1]
    assert totals == {k: sum(rows.get(k, 0) for rows in nodes) for k in {k for rows in nodes for k in rows}}
    flagged = {(f.node, f.row) for f in differencing(pooled, summed, by_node, threshold)}
    expected = {(f"n{i}", k) for i, rows in enumerate(nodes) for k in totals
                if 0 < totals[k] - rows.get(k, 0) < threshold}
    assert flagged == expected
