"""One module per Jamf resource: its endpoints, models and the fields it can show."""
