"""The httpx internals jamfctl relies on, each behind one function in jamfctl.wire, run against the
installed httpx: when the pin is raised, a failure here names what broke."""
from __future__ import annotations

import httpx
import pytest

from jamfctl import wire

BODY = b'{"totalCount": 1, "results": [{"id": "1"}]}'


def streamed(body: bytes = BODY, **headers: str) -> httpx.Response:
    """A response whose body is still on the wire, as httpx hands one over with stream=True."""
    return httpx.Response(200, headers=headers, stream=httpx.ByteStream(body))


def test_body_in_memory_tells_a_read_body_from_one_still_streaming():
    assert wire.body_in_memory(httpx.Response(200, content=BODY)) is True
    response = streamed()
    assert wire.body_in_memory(response) is False
    response.read()
    assert wire.body_in_memory(response) is True


def test_set_body_is_what_httpx_then_reads():
    """.content, .text, .json() and .read() (which httpx's auth flow calls) all use the body given, a
    bytearray included, and never touch the stream."""
    response = streamed(b"never read")
    wire.set_body(response, bytearray(BODY))
    assert response.content == BODY and response.read() == BODY
    assert response.json()["totalCount"] == 1 and response.text == BODY.decode()
    assert wire.body_in_memory(response)


def test_take_body_hands_over_the_body_and_the_response_lets_go():
    response = httpx.Response(200, content=BODY)
    assert wire.take_body(response) == BODY
    assert response.content == b""


def test_read_body_fills_one_buffer_sized_by_content_length():
    response = streamed(**{"content-length": str(len(BODY))})
    wire.read_body(response)
    assert response.content == BODY and response.is_closed


def test_read_body_without_content_length_joins_the_chunks():
    response = streamed()
    wire.read_body(response)
    assert response.content == BODY and response.is_closed


@pytest.mark.parametrize(("length", "why"), [(len(BODY) + 5, "shorter"), (len(BODY) - 5, "longer")])
def test_a_body_that_disagrees_with_content_length_is_a_protocol_error(length, why):
    """Retried as a broken connection by the client (httpx.RemoteProtocolError is a TransportError)."""
    with pytest.raises(httpx.RemoteProtocolError, match=why):
        wire.read_body(streamed(**{"content-length": str(length)}))


def test_read_body_refuses_a_huge_announced_body_before_reading(monkeypatch):
    monkeypatch.setattr(wire, "MAX_RESPONSE_BYTES", 10)
    with pytest.raises(wire.ResponseTooLarge):
        wire.read_body(streamed(**{"content-length": str(len(BODY))}))
    with pytest.raises(wire.ResponseTooLarge):
        wire.read_body(streamed())  # no length: counted as it streams


def test_read_body_leaves_a_body_already_in_memory_alone():
    response = httpx.Response(200, content=BODY)
    wire.read_body(response)
    assert response.content == BODY
