"""Reference for figure (f): jamf-pro-sdk's own Paginator listing every computer as NDJSON.

Usage: python sdk_paginator.py BASE_URL [PAGE_SIZE] [--raw] [--sections GENERAL,...]
(prints one JSON record per line)

--raw: the Paginator's fastest form, `return_model=None` (the page's dicts as `requests` parsed them), each
written with json.dumps; without it, the SDK's Computer model as its own inventory method uses.
--sections: the sections asked for (default: jamfctl's four list sections).

What had to be adapted to point the SDK at the sandbox (nothing in the SDK is patched):
- The sandbox is plain HTTP on loopback: the SDK supports that through SessionConfig(scheme="http")
  plus the host and port arguments of JamfProClient.
- The SDK's inventory methods use /api/v1 and /api/v3 (the sandbox simulates the current /api/v4), and
  v3 joins sections with commas: so this uses the SDK's Paginator directly, with the same path, sections
  (repeated `section` parameters), sort and page size (2000) that `jamfctl computer list --all` sends, and
  the SDK's Computer model as return model, as its get_computer_inventory_v3() does.
- OAuth client credentials through the SDK's ApiClientCredentialsProvider (POST /api/v1/oauth/token).
"""
import argparse
import json
import sys
from urllib.parse import urlsplit

from jamf_pro_sdk import JamfProClient, SessionConfig
from jamf_pro_sdk.clients.auth import ApiClientCredentialsProvider
from jamf_pro_sdk.clients.pro_api.pagination import Paginator, SortField
from jamf_pro_sdk.models.pro.computers import Computer

DEFAULT_SECTIONS = "GENERAL,HARDWARE,OPERATING_SYSTEM,USER_AND_LOCATION"  # jamfctl's list default

parser = argparse.ArgumentParser()
parser.add_argument("url")
parser.add_argument("page_size", nargs="?", type=int, default=2000)
parser.add_argument("--raw", action="store_true")
parser.add_argument("--sections", default=DEFAULT_SECTIONS)
args = parser.parse_args()
url = urlsplit(args.url)
client = JamfProClient(url.hostname, ApiClientCredentialsProvider("jamfctl-sandbox", "sandbox-secret"),
                       port=url.port, session_config=SessionConfig(scheme="http", max_concurrency=5))
paginator = Paginator(api_client=client.pro_api, resource_path="v4/computers-inventory",
                      return_model=None if args.raw else Computer, page_size=args.page_size,
                      sort_expression=SortField("id").asc(), extra_params={"section": args.sections.split(",")})
out = sys.stdout
for page in paginator(return_generator=True):
    if args.raw:
        for computer in page.results:
            out.write(json.dumps(computer) + "\n")
    else:
        for computer in page.results:
            out.write(computer.model_dump_json(exclude_none=True) + "\n")
out.flush()
