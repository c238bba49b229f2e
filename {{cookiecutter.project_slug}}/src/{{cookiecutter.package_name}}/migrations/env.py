"""Alembic's environment: the migrations run on DATABASE_URL, the service's one connection setting
(the release step, `alembic upgrade head`, runs in the service host, which checked it and put in
the password from DATABASE_PASSWORD_FILE)."""

import logging
import os

import psycopg
from alembic import context
from sqlalchemy import create_engine, pool

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
# Your models' MetaData (e.g. `Base.metadata`) lets `alembic revision --autogenerate` compare.
target_metadata = None

if context.is_offline_mode():  # `alembic upgrade head --sql`: the SQL, for a DBA to run
    context.configure(dialect_name="postgresql", literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    # psycopg reads the URL itself, as the app does (SQLAlchemy only runs the migrations).
    url = os.environ["DATABASE_URL"]
    engine = create_engine(
        "postgresql+psycopg://", creator=lambda: psycopg.connect(url), poolclass=pool.NullPool
    )
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
