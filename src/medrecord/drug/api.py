from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from medrecord import problems
from medrecord.drug import service
from medrecord.drug.schemas import DrugDetail, DrugRead
from medrecord.http import AUTHENTICATED, ActorDep, OffsetQuery, SessionDep, documented
from medrecord.openapi_links import ADD_MEDICATION, linked

router = APIRouter(prefix="/drugs", tags=["catalogue"])


@router.get(
    "",
    response_model=list[DrugRead],
    **documented(
        AUTHENTICATED,
        problems.InvalidToken,
        responses=linked(200, "Drugs found", AddMedication=ADD_MEDICATION),
    ),
)
def search_drugs(
    session: SessionDep,
    actor: ActorDep,
    search: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Case-insensitive: part of the name (`pano` finds Panodil), a whole "
            "active substance (`paracetamol` finds Panodil, Pinex and Pamol; `apixaban` finds "
            "Eliquis), an ATC code or its prefix of at least three characters (`N02BE`), a drug "
            "id or a package number. Any of these matches.",
            examples=["paracetamol"],
        ),
    ] = None,
    atc: Annotated[
        str | None,
        Query(
            max_length=7,
            pattern="^[A-Za-z0-9]+$",
            description="ATC code or its prefix; with `search`, a drug must match both.",
            examples=["N02BE"],
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: OffsetQuery = 0,
) -> list[DrugRead]:
    """Search the drug catalogue by name, active substance, ATC code, id or package number."""
    return service.search_drugs(session, actor, text=search, atc=atc, limit=limit, offset=offset)


@router.get(
    "/{drug_id}",
    response_model=DrugDetail,
    **documented(AUTHENTICATED, problems.DrugNotFound, problems.InvalidToken),
)
def read_drug(
    drug_id: Annotated[str, Path(max_length=20, examples=["28100007919"])],
    session: SessionDep,
    actor: ActorDep,
) -> DrugDetail:
    """One drug with its packages and its substitution group."""
    return service.get_drug(session, actor, drug_id=drug_id)
