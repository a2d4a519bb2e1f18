"""Load benchmark of the real ``medrecord serve`` against the machine's own limits.

``python -m bench`` starts an embedded PostgreSQL (or uses ``--database-url``), seeds it (the
population seeder when it is installed, else the demo data), starts ``medrecord serve`` with each
worker count and a bare FastAPI app under the same uvicorn settings, drives them with ``wrk``
from a separate process on loopback, replays the statements the app sends straight through
``pgbench``, and writes a table of requests/s, latency percentiles, errors and the CPU split
(server / database / load generator) to ``bench/results/``. See docs/performance.md.
"""
