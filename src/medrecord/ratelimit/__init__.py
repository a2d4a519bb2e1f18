"""Rate limits on failures that look like scanning: failed authentications per client address,
look-ups of unknown CPR numbers per caller (SPEC §5). Over a limit the failure is answered 429
with Retry-After instead, and every one of them is audited.

limits (the library) parses the limits and runs the fixed-window strategy; ``storage`` keeps its
counters in PostgreSQL, in the request's own transaction, so every worker process and replica
counts against one window and a counter commits with its audit row. ``service`` holds the two
use cases the HTTP edge and the guard call when a request fails.
"""
