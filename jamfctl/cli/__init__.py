"""The command-line layer: parse, validate, call, render. Nothing below imports from here."""
