"""Apply Alembic migrations from inside the application (CLI, tests) as the owner of the tables,
then grant the application's role what it needs and nothing more (docs/reliability.md)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text

# Every process that migrates takes this transaction-level advisory lock first, so replicas
# starting together migrate one after another: the later ones find the schema at head and do
# nothing. The number is arbitrary; it only has to be the same everywhere ("medrecord" in hex).
MIGRATION_LOCK = 0x6D65647265636F72

# What the app role may do to each table's rows. Every table not named here: read and write.
# The audit trail is append-only; the schema version belongs to the migrations.
ROW_RIGHTS = "SELECT, INSERT, UPDATE, DELETE"
LIMITED_RIGHTS = {"audit_event": "SELECT, INSERT", "alembic_version": "SELECT"}


class UnsafeAppRole(RuntimeError):
    """The role named to receive the application's rights cannot be held to them."""


def migrations_home() -> Path:
    """The directory holding ``alembic.ini`` and ``migrations/``: inside the installed package
    (the wheel carries them, see pyproject.toml), else the source tree (a checkout, editable)."""
    packaged = resources.files("medrecord")
    if isinstance(packaged, Path) and (packaged / "migrations" / "env.py").is_file():
        return packaged
    return Path(__file__).resolve().parents[2]


def alembic_config() -> Config:
    home = migrations_home()
    cfg = Config(str(home / "alembic.ini"))
    cfg.set_main_option("script_location", str(home / "migrations"))
    cfg.attributes["configure_logger"] = False
    return cfg


def upgrade(engine: Engine, revision: str = "head", *, app_role: str | None = None) -> None:
    """Migrate to ``revision`` and, given ``app_role``, grant it its rights, in one transaction."""
    cfg = alembic_config()
    with engine.begin() as conn:
        _unhurried(conn)
        _one_at_a_time(conn)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        if app_role is not None:
            grant_app_privileges(conn, app_role)


def downgrade(engine: Engine, revision: str) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        _unhurried(conn)
        _one_at_a_time(conn)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def _unhurried(conn: Connection) -> None:
    # The app's connections give up on slow statements and lock waits (db.make_engine); a
    # migration may rewrite a large table or queue for a lock, and stopping it half-way
    # helps nobody. SET LOCAL: the pooled connection is back to its defaults afterwards.
    for setting in ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout"):
        conn.execute(text(f"SET LOCAL {setting} = 0"))


def _one_at_a_time(conn: Connection) -> None:
    # Held until the migration's transaction ends (commit or rollback, or the connection
    # dying): nothing to release by hand, nothing left held by a crashed process.
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})


def grant_app_privileges(conn: Connection, role: str) -> None:
    """Give ``role`` the rows of every table in the schema and nothing else.

    SELECT, INSERT, UPDATE and DELETE on each table, except SELECT and INSERT on audit_event
    and SELECT on alembic_version; USAGE on the schema and its sequences. Whatever else it held
    there is revoked (no TRUNCATE, REFERENCES, TRIGGER, no CREATE in the schema). Runs after
    every upgrade, so the tables of later migrations are covered without anyone remembering.
    """
    _refuse_unsafe(conn, role)
    quote = conn.dialect.identifier_preparer.quote
    grantee = quote(role)
    schema = quote(conn.execute(text("SELECT current_schema()")).scalar_one())
    conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {grantee}"))
    conn.execute(text(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {grantee}"))
    conn.execute(text(f"REVOKE ALL ON SCHEMA {schema} FROM {grantee}"))
    conn.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO {grantee}"))
    relations = conn.execute(
        text(
            "SELECT relname, relkind FROM pg_class WHERE relnamespace = current_schema()::"
            "regnamespace AND relkind IN ('r', 'p', 'f', 'v', 'm') ORDER BY relname"
        )
    ).all()
    for name, kind in relations:
        rights = LIMITED_RIGHTS.get(name, ROW_RIGHTS) if kind in ("r", "p", "f") else "SELECT"
        conn.execute(text(f"GRANT {rights} ON TABLE {quote(name)} TO {grantee}"))
    conn.execute(text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {grantee}"))
    # Before PostgreSQL 15 everyone may create tables in "public"; take that back where we may.
    may = conn.execute(
        text(
            "SELECT pg_has_role(current_user, nspowner, 'USAGE') FROM pg_namespace"
            " WHERE nspname = current_schema()"
        )
    ).scalar_one()
    if may:
        conn.execute(text(f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC"))


def _refuse_unsafe(conn: Connection, role: str) -> None:
    found = conn.execute(
        text(
            "SELECT r.rolsuper OR r.rolbypassrls, pg_has_role(r.oid, current_user, 'MEMBER'),"
            " EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = current_schema()::"
            "regnamespace AND pg_has_role(r.oid, c.relowner, 'MEMBER'))"
            " FROM pg_roles r WHERE r.rolname = :role"
        ),
        {"role": role},
    ).one_or_none()
    if found is None:
        raise UnsafeAppRole(
            f"The app role {role} does not exist: create it (LOGIN and nothing else), or name "
            "another with MEDRECORD_DATABASE_APP_ROLE."
        )
    superuser, migrator, owner = found
    if superuser or migrator or owner:
        what = (
            "a superuser"
            if superuser
            else "the role that migrates"
            if migrator
            else "the owner of tables"
        )
        raise UnsafeAppRole(
            f"The app role {role} is (or may act as) {what}: no grant could limit it. Give the "
            "application its own role (MEDRECORD_DATABASE_APP_ROLE)."
        )


def privilege_problems(engine: Engine) -> list[str]:
    """What the login of ``engine`` could do to the audit trail beyond appending and reading
    (empty: nothing). A superuser can switch its triggers off (session_replication_role), its
    owner can disable them or drop the table, a plain grant can rewrite its rows."""
    with engine.connect() as conn:
        found = conn.execute(
            text(
                "SELECT current_user, r.rolsuper, pg_has_role(c.relowner, 'MEMBER'),"
                " array_remove(ARRAY["
                "   CASE WHEN has_table_privilege(c.oid, 'UPDATE') THEN 'UPDATE' END,"
                "   CASE WHEN has_table_privilege(c.oid, 'DELETE') THEN 'DELETE' END,"
                "   CASE WHEN has_table_privilege(c.oid, 'TRUNCATE') THEN 'TRUNCATE' END"
                " ], NULL)"
                " FROM pg_roles r, pg_class c"
                " WHERE r.rolname = current_user AND c.oid = to_regclass('audit_event')"
            )
        ).one_or_none()
    if found is None:
        return []
    user, superuser, owner, rewrites = found
    problems = []
    if superuser:
        problems.append(f"{user} is a superuser and can switch off audit_event's triggers")
    elif owner:
        problems.append(f"{user} owns audit_event and can disable its triggers or drop it")
    if rewrites:
        problems.append(f"{user} may {', '.join(rewrites)} audit_event")
    return problems
