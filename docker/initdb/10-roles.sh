#!/usr/bin/env bash
# The database's two roles (docs/reliability.md, "Least privilege and the embedded PostgreSQL").
# The postgres image runs this once, on an empty volume, as its superuser:
#   medrecord_owner  owns the database and its tables; only `medrecord migrate` logs in as it;
#   medrecord_app    the application's login: rows only (each migration grants it them).
set -eo pipefail

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v owner_password="$MEDRECORD_OWNER_PASSWORD" \
    -v app_password="$MEDRECORD_APP_PASSWORD" <<'SQL'
CREATE ROLE medrecord_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    PASSWORD :'owner_password';
CREATE ROLE medrecord_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION
    NOBYPASSRLS PASSWORD :'app_password';
ALTER DATABASE medrecord OWNER TO medrecord_owner;
REVOKE ALL ON DATABASE medrecord FROM PUBLIC;
GRANT CONNECT ON DATABASE medrecord TO medrecord_app;
\connect medrecord
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO medrecord_owner;
SQL
