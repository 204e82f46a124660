"""``CallOptions.useSingleTransaction``: the services' transactions of one call joined into one.

Each service owns its transaction (``with db.write() as conn``). A create call with
``useSingleTransaction=true`` must create all of its objects or none, so the door hands the services
a :class:`SharedTransaction` instead of the database: inside one write transaction, every
``write()`` a service opens is a savepoint of it (rolled back alone if that service call fails, so
the transaction stays usable for the next object), and every ``read()`` sees what the call has
written so far. The caller commits the whole, or rolls it back when any object failed.

This is transaction plumbing, not a rule: which objects may be created, and how, stays with the
services.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

from billforge.db.session import Database


class SharedTransaction(Database):
    """A ``Database`` whose ``read()`` and ``write()`` run inside one open write transaction."""

    def __init__(self, db: Database, conn: Connection) -> None:  # the engine stays the database's
        self.url = db.url
        self.is_sqlite = db.is_sqlite
        self.engine = db.engine
        self._conn = conn
        self._savepoints = itertools.count(1)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        yield self._conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        name = f"soap_call_{next(self._savepoints)}"
        self._conn.exec_driver_sql(f"SAVEPOINT {name}")
        try:
            yield self._conn
        except BaseException:
            self._conn.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {name}")
            self._conn.exec_driver_sql(f"RELEASE SAVEPOINT {name}")
            raise
        self._conn.exec_driver_sql(f"RELEASE SAVEPOINT {name}")

    def dispose(self) -> None:
        """The engine belongs to the database this transaction came from."""
