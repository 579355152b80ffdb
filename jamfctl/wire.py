"""Reading response bodies: bounded, in one buffer, and walked a page record by record.

These keep `computer list --all` flat in memory however big the fleet (see client.paginate). This is
also the only module that touches httpx internals (`Response._content`): each use sits behind one small
function below, and tests/test_wire.py runs each against the installed httpx, so raising the pin shows
any breakage there first.
"""
from __future__ import annotations

import functools
import json
import re
import sys
from typing import Any, Iterator

import httpx

# One response body at most (a 2000-computer page with every section is tens of MB): a hostile or broken
# server announcing, or streaming, more must not make jamfctl allocate it.
MAX_RESPONSE_BYTES = 512 * 1024 * 1024


class ResponseTooLarge(Exception):
    pass


@functools.cache
def return_big_buffers_to_the_os() -> None:
    """Pin glibc's mmap threshold at 1 MiB for paging.

    glibc raises the threshold after the first large free, after which multi-megabyte page buffers
    come from (and fragment) the heap instead of going back to the OS: streaming 100,000 computers
    then peaks ~35 MB higher. Elsewhere (macOS, musl) this does nothing.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


# --- httpx internals, fenced ----------------------------------------------------------------------
def body_in_memory(response: httpx.Response) -> bool:
    """Whether httpx already holds the whole body (in-memory transports hand one over already read)."""
    return hasattr(response, "_content")


def set_body(response: httpx.Response, content: bytes | bytearray) -> None:
    """Hand httpx a body read here: `.content`, `.json()` and `.read()` then use it, never the stream."""
    response._content = content  # a bytearray is fine: json and .decode() accept it as it is


def take_body(response: httpx.Response) -> bytes:
    """The body, and the response no longer holds it.

    An httpx Response sits in a reference cycle (it and its stream point at each other), so it is freed
    only by the cyclic GC; without this, every multi-megabyte page would wait for it."""
    body = response.content
    response._content = b""
    return body


# --- reading ------------------------------------------------------------------------------------
def read_body(response: httpx.Response) -> None:
    """Read the body into one buffer sized by Content-Length (httpx would hold chunks and a joined copy).

    Multi-megabyte pages arrive five at a time, so this halves what paging holds in memory.
    """
    if body_in_memory(response):
        return
    size = response.headers.get("content-length", "")
    if not size.isdigit() or response.headers.get("content-encoding"):
        chunks, total = [], 0
        for chunk in response.iter_bytes():  # decoded, so a compressed bomb is measured as it expands
            total += len(chunk)
            if total > MAX_RESPONSE_BYTES:
                raise ResponseTooLarge()
            chunks.append(chunk)
        set_body(response, b"".join(chunks))
        return
    if int(size) > MAX_RESPONSE_BYTES:
        raise ResponseTooLarge()
    buffer = bytearray(int(size))
    view = memoryview(buffer)
    filled = 0
    for chunk in response.iter_raw():
        end = filled + len(chunk)
        if end > len(buffer):
            raise httpx.RemoteProtocolError("response body longer than its Content-Length")
        view[filled:end] = chunk
        filled = end
    if filled != len(buffer):
        raise httpx.RemoteProtocolError("response body shorter than its Content-Length")
    view.release()
    set_body(response, buffer)


_DECODER = json.JSONDecoder()
RESULTS_START = object()
_SPACE = re.compile(r"[ \t\n\r]*")


def iter_page(text: str) -> Iterator[tuple[str, Any]]:
    """Walk a page object `{"totalCount": N, "results": [...]}` one record at a time.

    Yields ("results", RESULTS_START), then ("record", obj) for each result, and (key, value) for other
    top-level keys, so a 2000-record
    page is never held as Python objects all at once. Malformed JSON raises ValueError.
    """
    decode = _DECODER.raw_decode

    def skip(i: int) -> int:
        return _SPACE.match(text, i).end()

    def expect(i: int, chars: str) -> tuple[str, int]:
        i = skip(i)
        char = text[i : i + 1]
        if not char or char not in chars:
            raise ValueError(f"expected one of {chars!r} at {i}")
        return char, i + 1

    _, i = expect(0, "{")
    if text[skip(i) : skip(i) + 1] == "}":
        return
    while True:
        key, i = decode(text, skip(i))
        _, i = expect(i, ":")
        i = skip(i)
        if key == "results" and text[i : i + 1] == "[":
            yield "results", RESULTS_START
            i = skip(i + 1)
            if text[i : i + 1] == "]":
                i += 1
            else:
                while True:
                    record, i = decode(text, skip(i))
                    yield "record", record
                    char, i = expect(i, ",]")
                    if char == "]":
                        break
        else:
            value, i = decode(text, i)
            yield key, value
        char, i = expect(i, ",}")
        if char == "}":
            break
    if text[skip(i) :]:
        raise ValueError("data after the page object")
