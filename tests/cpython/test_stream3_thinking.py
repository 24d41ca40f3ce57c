"""A reasoning model's thinking, split from its answer however the stream is cut."""

from hypothesis import given
from hypothesis import strategies as st

from webllm_provider import TextDelta, ThinkingDelta
from webllm_provider.stream3_thinking import ThinkingSplitter, split_thinking


@given(
    st.text(alphabet="<>/thinkab \n", max_size=40),
    st.lists(st.integers(min_value=1, max_value=8), max_size=12),
)
def test_thinking_splits_the_same_however_the_stream_is_cut(text, cuts):
    splitter, pieces, position = ThinkingSplitter(), [], 0
    for size in cuts:
        pieces += splitter.feed(text[position : position + size])
        position += size
    pieces += splitter.feed(text[position:]) + splitter.flush()
    assert all(piece.text for piece in pieces)
    thinking = "".join(p.text for p in pieces if isinstance(p, ThinkingDelta))
    answer = "".join(p.text for p in pieces if isinstance(p, TextDelta))
    assert (thinking.strip(), answer) == split_thinking(text)
    assert "</think>" not in thinking
