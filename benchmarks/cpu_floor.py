"""The floor of figure (i): the CPU that parsing and re-encoding a listing's JSON costs, nothing else.

Usage: python cpu_floor.py BASE_URL COMPUTERS [SECTION ...]   (prints the floor in CPU seconds)

Untimed first: a token, then every page exactly as `jamfctl computer list --all` asks for it (the same
path, repeated `section` parameters, sort and page size 2000), kept as the bytes the server sent.
Timed (this process's user + sys CPU, os.times()): `json.loads` of each page's bytes and `json.dumps` of
each record as jamfctl writes NDJSON (compact separators, ensure_ascii=False). The interpreter's start-up,
its imports and the downloads are outside the timed part, as jamfctl's fixed costs are outside its
per-record figure (see figures.cpu_per_record).
"""
import json
import os
import sys
import urllib.parse
import urllib.request

PAGE_SIZE = 2000


def fetch_pages(base: str, computers: int, sections: list[str]) -> list[bytes]:
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": "jamfctl-sandbox",
                                   "client_secret": "sandbox-secret"}).encode()
    with urllib.request.urlopen(urllib.request.Request(f"{base}/api/oauth/token", data=form), timeout=60) as r:
        token = json.loads(r.read())["access_token"]
    pages = []
    for number in range(-(-computers // PAGE_SIZE)):
        query = urllib.parse.urlencode([("section", s) for s in sections] + [
            ("sort", "id:asc"), ("page", str(number)), ("page-size", str(PAGE_SIZE))])
        request = urllib.request.Request(f"{base}/api/v4/computers-inventory?{query}",
                                         headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as r:
            pages.append(r.read())
    return pages


def cpu() -> float:
    times = os.times()
    return times.user + times.system


def main() -> None:
    base, computers, sections = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    pages = fetch_pages(base, computers, sections)
    loads, dumps = json.loads, json.dumps
    records = 0
    start = cpu()
    for body in pages:
        for record in loads(body)["results"]:
            dumps(record, ensure_ascii=False, separators=(",", ":"))
            records += 1
    took = cpu() - start
    if records != computers:
        sys.exit(f"the pages held {records} records, not {computers}")
    print(f"{took:.4f}")


if __name__ == "__main__":
    main()
