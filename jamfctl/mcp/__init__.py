"""`jamfctl mcp serve`: jamfctl's read-only commands as MCP tools over stdio.

tools.py declares the tools from jamfctl.specs and runs them (no MCP SDK needed: `jamfctl commands` reads
it); server.py is the only module that imports the SDK (the `jamfctl[mcp]` extra), and only `mcp serve` runs it.
"""
