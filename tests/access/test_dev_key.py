"""The dev signing key is made once, however many processes start together: a fresh
`serve --workers 2` and a CLI token minted at the same moment all use the same key."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from medrecord.access.tokens import load_or_create_dev_key


def _public_pem_after_barrier(path: str, barrier: object) -> bytes:
    barrier.wait()  # type: ignore[attr-defined]
    key = load_or_create_dev_key(Path(path))
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_processes_starting_together_share_one_dev_key(tmp_path: Path) -> None:
    path = tmp_path / "data" / "dev-signing-key.pem"
    context = multiprocessing.get_context("spawn")
    processes = 8
    with context.Manager() as manager:
        barrier = manager.Barrier(processes)
        with context.Pool(processes) as pool:
            keys = pool.starmap(_public_pem_after_barrier, [(str(path), barrier)] * processes)

    assert len(set(keys)) == 1
    assert (path.stat().st_mode & 0o777) == 0o600
    # No candidate files are left behind.
    assert [p.name for p in path.parent.iterdir()] == [path.name]
