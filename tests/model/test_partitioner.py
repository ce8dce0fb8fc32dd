"""The default partitioner: murmur2 pinned to Kafka's own vectors (UtilsTest.testMurmur2 at
trunk 1eb7644), the keyed partition rule, and the unkeyed rule per release line."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mqcheck.model.partitioner import (
    murmur2,
    partition_for_key,
    partition_for_message,
    partition_for_string_key,
    to_positive,
    unkeyed_partitioning,
)
from mqcheck.spec.schema import KafkaVersion


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"21", -973932308),
        (b"foobar", -790332482),
        (b"a-little-bit-long-string", -985981536),
        (b"a-little-bit-longer-string", -1486304829),
        (b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
        (bytes([ord("a"), ord("b"), ord("c")]), 479470107),
    ],
)
def test_murmur2_matches_kafkas_utils_test(data: bytes, expected: int) -> None:
    assert murmur2(data) == expected


def test_every_tail_length_is_hashed() -> None:
    # lengths 0..7 cover the four switch cases twice; a dropped tail byte would collide
    hashes = {murmur2(b"x" * n) for n in range(8)}
    assert len(hashes) == 8


def test_to_positive_clears_the_sign_bit_like_java() -> None:
    assert to_positive(-1) == 0x7FFFFFFF
    assert to_positive(-(2**31)) == 0  # Integer.MIN_VALUE, where abs() would overflow
    assert to_positive(5) == 5


def test_keyed_partition_is_the_positive_hash_modulo_the_partition_count() -> None:
    # "foobar": murmur2 = -790332482; toPositive = 1357151166
    assert to_positive(-790332482) == 1357151166
    assert partition_for_key(b"foobar", 2) == 1357151166 % 2
    assert partition_for_key(b"foobar", 3) == 1357151166 % 3
    assert partition_for_string_key("foobar", 3) == partition_for_key(b"foobar", 3)


def test_keyed_partitions_from_kafkas_vectors() -> None:
    # "21": murmur2 = -973932308 (UtilsTest); toPositive = 1173551340
    assert partition_for_string_key("21", 2) == 0
    assert partition_for_string_key("21", 7) == 1173551340 % 7


def test_message_i_carries_key_i_mod_len() -> None:
    # UtilsTest: murmur2("21") = -973932308 -> 1173551340, murmur2("abc") = 479470107
    keys = ["21", "abc"]
    assert [partition_for_message(i, keys, 2) for i in range(4)] == [0, 1, 0, 1]
    assert [partition_for_message(i, keys, 5) for i in range(2)] == [
        1173551340 % 5,
        479470107 % 5,
    ]


def test_a_topic_has_partitions() -> None:
    with pytest.raises(ValueError):
        partition_for_key(b"k", 0)


@given(st.binary(max_size=64), st.integers(min_value=1, max_value=1000))
def test_keyed_partition_is_in_range_and_a_function_of_the_key(key: bytes, count: int) -> None:
    partition = partition_for_key(key, count)
    assert 0 <= partition < count
    assert partition == partition_for_key(bytes(key), count)
    assert -(2**31) <= murmur2(key) < 2**31


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ((0, 10), "round_robin"),
        ((2, 3), "round_robin"),
        ((2, 4), "sticky"),  # KIP-480
        ((3, 2), "sticky"),
        ((3, 3), "uniform_sticky"),  # KIP-794
        ((4, 1), "uniform_sticky"),
    ],
)
def test_unkeyed_partitioning_per_line(line: tuple[int, int], expected: str) -> None:
    assert unkeyed_partitioning(KafkaVersion(*line)) == expected
