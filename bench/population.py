"""Who the load acts as: tokens for authorised doctors and pharmacists (signed with the
serve's dev key), the card-read pairs the app answers, and the fresh prescriptions the
dispensing scenarios claim and dispense."""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx

from bench.database import Database, Pair, Template, clone_prescriptions
from bench.wrk import LoadFiles
from medrecord.access.tokens import TokenSigner
from medrecord.config import Settings


@dataclass
class Cast:
    """Tokens (numbered from 1, as load.lua reads them), the pairs and the templates."""

    signer: TokenSigner
    tokens: list[str] = field(default_factory=list)
    doctor_token: dict[str, int] = field(default_factory=dict)  # organisation -> token number
    pharmacy_token: dict[str, int] = field(default_factory=dict)
    pairs: list[Pair] = field(default_factory=list)
    templates: list[Template] = field(default_factory=list)

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> Cast:
        settings = Settings(data_dir=data_dir)
        return cls(TokenSigner.from_settings(settings))

    def _mint(self, role: str, org: str) -> int:
        self.tokens.append(
            self.signer.mint(
                sub=f"bench-{role}-{org}",
                name=f"Bench {role} {org}",
                role=role,
                org=org,
                ttl=timedelta(hours=24),
            )
        )
        return len(self.tokens)

    def doctor(self, org: str) -> int:
        if org not in self.doctor_token:
            self.doctor_token[org] = self._mint("doctor", org)
        return self.doctor_token[org]

    def pharmacist(self, org: str) -> int:
        if org not in self.pharmacy_token:
            self.pharmacy_token[org] = self._mint("pharmacist", org)
        return self.pharmacy_token[org]

    def header(self, number: int) -> dict[str, str]:
        return {"Authorization": "Bearer " + self.tokens[number - 1]}

    def keep_readable_pairs(self, base_url: str, pairs: list[Pair]) -> list[Pair]:
        """The pairs whose card the app answers with 200 (the SQL above guesses access)."""
        kept = []
        with httpx.Client(base_url=base_url, timeout=30) as client:
            for pair in pairs:
                response = client.get(
                    f"/api/v1/citizens/{pair.cpr}/medication-card",
                    headers=self.header(self.doctor(pair.organisation_id)),
                )
                if response.status_code == 200:
                    kept.append(pair)
        return kept

    def dispense(self, client: httpx.Client, cpr: str, rx: uuid.UUID, org: str, key: str) -> bool:
        """Claim and dispense ``rx`` as ``org``'s pharmacist; True when both succeeded."""
        headers = self.header(self.pharmacist(org))
        path = f"/api/v1/citizens/{cpr}/prescriptions/{rx}"
        claim = client.post(path + "/order", headers=headers)
        dispensed = client.post(
            path + "/dispensings", headers={**headers, "Idempotency-Key": key}, json={}
        )
        return claim.status_code in (200, 201) and dispensed.status_code == 201


def clone_id(tag: str, n: int) -> uuid.UUID:
    """The id ``md5('tag-' || n::text)::uuid`` gives in PostgreSQL."""
    return uuid.UUID(hashlib.md5(f"{tag}-{n}".encode()).hexdigest())  # noqa: S324 (an id)


def clone_sql(tag: str) -> str:
    return f"md5('{tag}-' || n::text)::uuid"


def fresh_prescriptions(
    db: Database, cast: Cast, pharmacies: list[str], count: int, tag: str, path: Path
) -> Path:
    """``count`` fresh prescriptions spread over the templates, each for a random pharmacy,
    written as load.lua's BENCH_RX file."""
    rng = random.Random(tag)
    per_template: dict[int, list[int]] = {}
    lines = []
    for n in range(count):
        t = n % len(cast.templates)
        per_template.setdefault(t, []).append(n)
        template = cast.templates[t]
        token = cast.pharmacist(rng.choice(pharmacies))
        lines.append(f"{template.cpr}\t{clone_id(tag, n)}\t{token}")
    for t, numbers in per_template.items():
        clone_prescriptions(db, cast.templates[t], clone_sql(tag), numbers)
    path.write_text("\n".join(lines) + "\n")
    return path


def write_load_files(cast: Cast, work_dir: Path) -> LoadFiles:
    """Tokens and pairs files (call after every token is minted: the rx files refer to
    pharmacist token numbers, minted before)."""
    tokens = work_dir / "tokens.txt"
    pairs = work_dir / "pairs.txt"
    pair_lines = [f"{p.cpr}\t{cast.doctor(p.organisation_id)}" for p in cast.pairs]
    pairs.write_text("\n".join(pair_lines) + "\n")
    tokens.write_text("\n".join(cast.tokens) + "\n")
    return LoadFiles(tokens=tokens, pairs=pairs)
