"""Reference for figure (e): the least a script can do for one computer: one GET with a bearer token.

Usage: BENCH_TOKEN=... python bare_httpx_get.py URL  (prints the response body)
"""
import os
import sys

import httpx

response = httpx.get(sys.argv[1], headers={"Authorization": f"Bearer {os.environ['BENCH_TOKEN']}",
                                           "Accept": "application/json"})
response.raise_for_status()
sys.stdout.write(response.text)
