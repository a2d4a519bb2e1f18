"""The ``medrecord`` command: serve, migrate, seed-demo, token."""

from __future__ import annotations

import contextlib
import os
import signal
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import Engine

from medrecord.access.actor import Role
from medrecord.config import Settings
from medrecord.preflight import (
    StartupProblem,
    check_database_settings,
    check_port,
    check_serving_settings,
    load_settings,
)

# Plain click help (typer's rich panels print "--help <bool>" for every flag); a bare traceback
# for the unexpected, and one line from StartupProblem for everything foreseen.
app = typer.Typer(
    help="medrecord — the shared medication record service.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Where the embedded PostgreSQL and the dev signing key live "
        "(default: the per-user data directory).",
    ),
]


@dataclass
class Database:
    url: str  # libpq URL the application connects with
    migration_url: str  # libpq URL of the tables' owner, which migrates
    app_role: str | None  # granted the application's rights after migrating (None: nobody)
    engine: Engine  # the application's


def _refuse(problem: StartupProblem) -> typer.Exit:
    console.print(str(problem), style="red", soft_wrap=True, markup=False, highlight=False)
    return typer.Exit(1)


def _settings(data_dir: Path | None, *, serving: bool = False) -> Settings:
    """The settings of a command that opens the database (and of ``serve``, ``serving``),
    checked: a problem is one line and exit code 1."""
    try:
        settings = load_settings(data_dir)
        check_database_settings(settings)
        if serving:
            check_serving_settings(settings)
    except StartupProblem as problem:
        raise _refuse(problem) from problem
    return settings


def _open_database(settings: Settings) -> Database:
    """The application's database. Embedded: its superuser makes the owner and app roles; the
    app connects as the app role. Given URLs: MEDRECORD_DATABASE_URL for the app and
    MEDRECORD_MIGRATION_DATABASE_URL (else the same) for migrations."""
    from sqlalchemy.exc import OperationalError

    from medrecord import embedded_postgres
    from medrecord.db import UnsafeDatabase, check_durability, make_engine
    from medrecord.preflight import describe_unreachable

    if settings.database_url:
        url = settings.database_url
        migration_url = settings.migration_database_url or url
        app_role = settings.database_app_role if settings.migration_database_url else None
    else:
        pgdata = settings.data_dir / "pgdata"
        console.print(f"Starting embedded PostgreSQL with its data in [bold]{pgdata}[/]")
        try:
            server = embedded_postgres.start(pgdata)
        except embedded_postgres.EmbeddedPostgresUnavailable as exc:
            console.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from exc
        logins = server.provision(app_role=settings.database_app_role)
        url, migration_url, app_role = logins.app, logins.owner, settings.database_app_role
    engine = make_engine(embedded_postgres.sqlalchemy_url(url), settings)
    try:
        check_durability(engine)
    except UnsafeDatabase as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    except OperationalError as exc:
        engine.dispose()
        raise _refuse(
            StartupProblem(describe_unreachable(url, exc, variable="MEDRECORD_DATABASE_URL"))
        ) from exc
    return Database(url=url, migration_url=migration_url, app_role=app_role, engine=engine)


def _migrate(db: Database) -> None:
    """Migrate as the owner, then grant the app role its rights (see migrate.upgrade)."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from medrecord import migrate as migrations
    from medrecord.db import make_engine
    from medrecord.embedded_postgres import sqlalchemy_url
    from medrecord.preflight import describe_unreachable

    separate = db.migration_url != db.url
    engine = make_engine(sqlalchemy_url(db.migration_url)) if separate else db.engine
    try:
        migrations.upgrade(engine, app_role=db.app_role)
    except migrations.UnsafeAppRole as exc:
        console.print(str(exc), style="red", soft_wrap=True, markup=False)
        raise typer.Exit(1) from exc
    except OperationalError as exc:
        if not separate:
            raise
        variable = "MEDRECORD_MIGRATION_DATABASE_URL"
        problem = StartupProblem(describe_unreachable(db.migration_url, exc, variable=variable))
        raise _refuse(problem) from exc
    except ProgrammingError as exc:
        if getattr(exc.orig, "sqlstate", None) != "42501":  # insufficient_privilege
            raise
        refused = getattr(getattr(exc.orig, "diag", None), "message_primary", None)
        console.print(
            "The database login may not change the schema, and it is behind this version of "
            "medrecord: set MEDRECORD_MIGRATION_DATABASE_URL to the tables' owner, or run "
            f"`medrecord migrate` with it ({refused}).",
            style="red",
            soft_wrap=True,
            markup=False,
        )
        raise typer.Exit(1) from exc
    finally:
        if separate:
            engine.dispose()
    console.print("Database schema is up to date.")


def _check_privileges(db: Database, settings: Settings) -> None:
    """Production refuses, dev warns of, an app login that could rewrite the audit trail."""
    from medrecord.migrate import privilege_problems

    problems = privilege_problems(db.engine)
    if not problems:
        return
    message = (
        "the application's database login could rewrite the audit trail: "
        + "; ".join(problems)
        + ". Connect as a role with row rights only and migrate as the owner with "
        "MEDRECORD_MIGRATION_DATABASE_URL (docs/reliability.md)."
    )
    if settings.is_dev:
        console.print("Warning: " + message, style="yellow", soft_wrap=True, markup=False)
        return
    console.print("Refusing to start: " + message, style="red", soft_wrap=True, markup=False)
    raise typer.Exit(1)


def _seed_if_empty(db: Database) -> None:
    from medrecord.db import make_sessionmaker
    from medrecord.demo.seed import is_empty, seed_demo

    with make_sessionmaker(db.engine)() as session:
        if not is_empty(session):
            return
        counts = seed_demo(session)
        session.commit()
    console.print("Seeded demo data: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


def _raise_open_file_limit() -> None:
    """Every connection is a file: at the soft limit (often 1,024) new connections are closed at
    once, so a crowd of slow clients would lock honest ones out before their deadlines pass."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    data_dir: DataDirOption = None,
) -> None:
    """Migrate, seed demo data into an empty database, and serve API, UI and docs."""
    import uvicorn

    settings = _settings(data_dir, serving=True)
    try:
        check_port(host, port)
    except StartupProblem as problem:
        raise _refuse(problem) from problem
    if not settings.database_url:
        _claim_data_dir(settings.data_dir)
    # SIGTERM ends serve like Ctrl-C: uvicorn drains, then the exit handlers run (they stop the
    # embedded PostgreSQL). Its default would end the process on the spot.
    signal.signal(signal.SIGTERM, _exit_quietly)
    db = _open_database(settings)
    _migrate(db)
    _check_privileges(db, settings)
    if settings.is_dev:
        _seed_if_empty(db)
    db.engine.dispose()
    # Worker processes (and the app factory) find the database and data dir here; they get
    # the app's login only, never the owner's.
    os.environ["MEDRECORD_DATABASE_URL"] = db.url
    os.environ.pop("MEDRECORD_MIGRATION_DATABASE_URL", None)
    os.environ["MEDRECORD_DATA_DIR"] = str(settings.data_dir)
    base = f"http://{host}:{port}"
    console.print(
        f"medrecord serving on [bold]{base}[/]  (API {base}/api/v1, docs {base}/docs, UI {base}/ui)"
    )
    console.print(f"Data directory: [bold]{settings.data_dir}[/]")
    from medrecord.serving import uvicorn_options

    options = uvicorn_options(settings)
    _raise_open_file_limit()
    if workers == 1:
        from medrecord.main import create_app

        application = create_app(Settings())
        uvicorn.run(
            application, host=host, port=port, access_log=False, log_level="warning", **options
        )
    else:
        uvicorn.run(
            "medrecord.main:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=False,
            log_level="warning",
            **options,
        )


def _claim_data_dir(data_dir: Path) -> None:
    """One serve per data directory (its embedded PostgreSQL stops when serve ends)."""
    from medrecord import embedded_postgres

    try:
        embedded_postgres.hold_serve_lock(data_dir)
    except embedded_postgres.AlreadyServing as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc


def _exit_quietly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


@app.command()
def migrate(data_dir: DataDirOption = None) -> None:
    """Apply all database migrations."""
    db = _open_database(_settings(data_dir))
    _migrate(db)
    db.engine.dispose()


@app.command("seed-demo")
def seed_demo_command(data_dir: DataDirOption = None) -> None:
    """Load the demo catalogue, organisations and citizens into an empty database."""
    db = _open_database(_settings(data_dir))
    _migrate(db)
    from medrecord.db import make_sessionmaker
    from medrecord.demo.seed import is_empty

    with make_sessionmaker(db.engine)() as session:
        if not is_empty(session):
            console.print("The database already holds data; demo data was not loaded.")
            db.engine.dispose()
            return
    _seed_if_empty(db)
    db.engine.dispose()


@app.command("seed")
def seed_command(
    citizens: Annotated[int, typer.Option(min=1, help="How many citizens to write.")],
    seed: Annotated[int, typer.Option(help="Same seed and --today: the same rows.")] = 1,
    today: Annotated[
        str | None, typer.Option(help="The day the population is seen on, YYYY-MM-DD.")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Write a synthetic Danish population with COPY, as the tables' owner (docs/seeding.md)."""
    from datetime import date

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
    from rich.table import Table

    from medrecord.seed import SeedRefused, seed_population

    try:
        day = date.fromisoformat(today) if today else None
    except ValueError as exc:
        console.print(f"[red]--today must be YYYY-MM-DD, not {today!r}.[/]")
        raise typer.Exit(2) from exc
    db = _open_database(_settings(data_dir))
    _migrate(db)
    db.engine.dispose()
    columns = (*Progress.get_default_columns()[:-1], MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, BarColumn(bar_width=None), console=console, transient=True) as bar:
        task = bar.add_task("Seeding citizens", total=citizens)
        try:
            summary = seed_population(
                db.migration_url,
                citizens,
                seed,
                day,
                on_batch=lambda n: bar.advance(task, n),
            )
        except SeedRefused as exc:
            console.print(str(exc), style="red", soft_wrap=True, markup=False)
            raise typer.Exit(1) from exc
    table = Table(title=f"{citizens:,} citizens in {summary.seconds:,.1f} s")
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("MB", justify="right")
    for name, (rows, size) in summary.tables.items():
        table.add_row(name, f"{rows:,}", f"{size / 1e6:,.1f}")
    total = sum(size for _, size in summary.tables.values())
    table.add_row("total", "", f"{total / 1e6:,.1f}")
    Console().print(table)
    steps = ", ".join(f"{step} {seconds:,.1f} s" for step, seconds in summary.phases.items())
    Console().print(f"{summary.citizens_per_second:,.0f} citizens/s ({steps})")


@app.command()
def token(
    sub: Annotated[str | None, typer.Option(help="Subject (user id).")] = None,
    name: Annotated[str | None, typer.Option(help="Full name.")] = None,
    role: Annotated[
        Role | None, typer.Option(case_sensitive=False, help="The role the token grants.")
    ] = None,
    org: Annotated[
        str | None, typer.Option(help="Organisation id (SOR code; every role but citizen).")
    ] = None,
    cpr: Annotated[str | None, typer.Option(help="CPR number (citizens).")] = None,
    ttl: Annotated[int, typer.Option(min=1, help="Lifetime in minutes.")] = 480,
    demo: Annotated[str | None, typer.Option(help="Mint for this demo username.")] = None,
    list_demo: Annotated[bool, typer.Option("--list-demo", help="List the demo users.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Print a bearer token signed by the dev key (dev mode only)."""
    from medrecord.access.tokens import TokenSigner, TokenVerifier
    from medrecord.demo import people
    from medrecord.problems import InvalidToken

    if list_demo:
        for s in people.STAFF:
            typer.echo(f"{s.username}\t{s.role}\t{s.organisation_id}\t{s.name}")
        for username, c_cpr, c_name, _ in people.CITIZENS:
            typer.echo(f"{username}\tcitizen\t-\t{c_name}\t{c_cpr}")
        return
    try:
        settings = load_settings(data_dir)
    except StartupProblem as problem:
        raise _refuse(problem) from problem
    if not settings.is_dev:
        console.print("[red]Tokens are minted by the identity provider in production.[/]")
        raise typer.Exit(1)
    if demo is not None:
        staff = people.staff_by_username(demo)
        citizen = people.citizen_by_username(demo)
        if staff is not None:
            sub, name, role, org = staff.username, staff.name, staff.role, staff.organisation_id
        elif citizen is not None:
            sub, cpr, name, role, org = citizen[0], citizen[1], citizen[2], Role.citizen, None
        else:
            console.print(f"[red]No demo user '{demo}'. See `medrecord token --list-demo`.[/]")
            raise typer.Exit(2)
    if not (sub and name and role):
        console.print("[red]Give --sub, --name and --role (and --org), or --demo USERNAME.[/]")
        raise typer.Exit(2)
    minted = TokenSigner.from_settings(settings).mint(
        sub=sub, name=name, role=str(role), org=org, cpr=cpr, ttl=timedelta(minutes=ttl)
    )
    # Checked as the API checks it: a token it would answer 401 is not printed.
    try:
        TokenVerifier.from_settings(settings).verify(minted)
    except InvalidToken as exc:
        console.print(
            "The API would refuse this token (professionals need --org, citizens --cpr "
            f"DDMMYYXXXX): {exc}",
            style="red",
            soft_wrap=True,
            markup=False,
        )
        raise typer.Exit(2) from exc
    typer.echo(minted)


@app.command("purge-expired")
def purge_expired(data_dir: DataDirOption = None) -> None:
    """Delete idempotency keys past their 48 h retention and idle web sessions (run daily)."""
    from medrecord import clock
    from medrecord.db import make_sessionmaker
    from medrecord.dispensing.repository import purge_expired_idempotency_records
    from medrecord.web.sessions import purge_expired as purge_sessions

    settings = _settings(data_dir)
    db = _open_database(settings)
    with make_sessionmaker(db.engine)() as session:
        keys = purge_expired_idempotency_records(session, now=clock.now())
        web = purge_sessions(session, settings)
        session.commit()
    db.engine.dispose()
    typer.echo(f"Deleted {keys} expired idempotency keys and {web} idle web sessions.")


drugs = typer.Typer(help="The drug catalogue.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(drugs, name="drugs")


@drugs.command("import")
def import_drugs(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, help="CSV (with a header row) or JSON list of rows."
        ),
    ],
    data_dir: DataDirOption = None,
) -> None:
    """Load or update drugs and packages; rows that fail validation are listed and skipped.

    Columns: drug_id, name, form, strength, atc_code, substitution_group, package_number,
    package_size, package_unit, price_dkk, and optionally dosage_units (e.g. "unit;ml"; else
    from the form), active_substances ("a;b"), dispensing_group (A, A§4, A§4 NA, B, HA, HF, HX;
    a new drug without one is A) and otc (true/false, ja/nej: must agree with the group). Exit
    code 1 when any row was rejected.
    """
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from medrecord.db import make_sessionmaker
    from medrecord.drug.service import import_catalogue, read_catalogue

    fmt = "json" if file.suffix.lower() == ".json" else "csv"
    try:
        rows, positions = read_catalogue(file.read_text(encoding="utf-8-sig"), fmt=fmt)
    except (ValueError, KeyError, UnicodeDecodeError) as exc:
        console.print(f"Cannot read {file}: {exc}", style="red", markup=False)
        raise typer.Exit(2) from exc
    db = _open_database(_settings(data_dir))
    _migrate(db)
    started = time.monotonic()
    columns = (*Progress.get_default_columns()[:-1], MofNCompleteColumn(), TimeRemainingColumn())
    with (
        Progress(*columns, BarColumn(bar_width=None), console=console, transient=True) as bar,
        make_sessionmaker(db.engine)() as session,
    ):
        task = bar.add_task(f"Importing {file.name}", total=len(rows))
        report = import_catalogue(
            session, rows, positions=positions, on_row=lambda: bar.advance(task)
        )
        session.commit()
    db.engine.dispose()
    typer.echo(
        f"{len(rows)} rows read in {time.monotonic() - started:,.1f} s: {report.drugs_added} "
        f"drugs added, {report.drugs_updated} updated; {report.packages_added} packages added, "
        f"{report.packages_updated} updated; {len(report.rejected)} rejected."
    )
    # An editor's line number for CSV (the header is line 1); a JSON row by its place in the list.
    where = "line" if fmt == "csv" else "item"
    for position, reason in report.rejected:
        typer.echo(f"  {where} {position}: {reason}")
    if report.rejected:
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
