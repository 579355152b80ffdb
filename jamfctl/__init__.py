"""jamfctl: a command-line tool for Jamf Pro administrators."""

# Kept here, and nothing else: `jamfctl --version` reads it before anything heavy is imported.
__version__ = "0.1.0"
