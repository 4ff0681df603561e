"""Every state change of the portal is one function here: it checks, validates, writes in a
transaction and records the activity-log entry in that same transaction."""
