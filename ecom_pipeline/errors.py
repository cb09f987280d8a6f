"""Every error the project raises on purpose, and the exit status each one means.

The CLI maps errors to exit codes by type: an `EcomError` is one line naming the value or the day at fault, and
exits with its `exit_code` (2 for bad input, a bad setting or an unreachable service; 1 for data refused by a
gate). Anything else is a bug and keeps its traceback. This module imports nothing from the package, so every
layer can raise these without importing another.
"""

from __future__ import annotations

EXIT_USAGE = 2
EXIT_REFUSED = 1


class EcomError(Exception):
    """An error the user can act on; the message is one line naming what is at fault."""

    exit_code = EXIT_USAGE


class RefusedError(EcomError):
    """Bad data, not bad input: a gate refused a day, or a run stopped at one."""

    exit_code = EXIT_REFUSED


# --- configuration and input ---------------------------------------------------------------------------------


class SettingsError(EcomError, ValueError):
    """Bad configuration: the message is one line that names the offending value."""


class MissingLocationError(EcomError, ValueError):
    """A location the deployment requires is unset or empty; the message names it."""


class GenerationError(EcomError, ValueError):
    """A request the generator cannot honour; the message names the offending value."""


class IdentifierError(EcomError, ValueError):
    """A database name or location that cannot be written safely into the DDL; the message names it."""


# --- storage -------------------------------------------------------------------------------------------------


class DatabaseUrlError(EcomError, ValueError):
    """`ECOM_DATABASE_URL` is not a PostgreSQL URL libpq can use; the message names it (without its password)."""


class DatabaseUnavailableError(EcomError, RuntimeError):
    """The database cannot be reached; the message is one line naming where we tried."""


class WarehouseError(EcomError, RuntimeError):
    """The warehouse refuses a request; the message is one line naming the day or dataset at fault."""


class MigrationError(WarehouseError):
    """A warehouse migration failed; the message names the database (without its password) and the reason."""


class LakeUnavailableError(EcomError, RuntimeError):
    """The lake cannot be reached or written; the message is one line naming where."""


class ManifestError(EcomError, RuntimeError):
    """A partition does not match its manifest or its day's commit, or a manifest or commit is malformed."""


class DatasetConflictError(EcomError, RuntimeError):
    """The lake holds (or is being claimed for) another dataset; the message names both."""


class OutputDatasetError(EcomError, RuntimeError):
    """The output already holds another dataset; the message is one line naming both."""


class SchemaDriftError(EcomError, ValueError):
    """A partition does not match the data contract; the message names table, column and partition."""


# --- quality, transformation and orchestration ----------------------------------------------------------------


class GateUnavailableError(EcomError, RuntimeError):
    """A warehouse gate lost its database before reaching a verdict: an error, never a list of failed rules."""


class DbtNotInstalledError(EcomError, RuntimeError):
    """No dbt executable in this environment."""


class BackfillError(EcomError, RuntimeError):
    """The webserver is unreachable, refused the backfill, or the daemon that runs it is down."""


class DemoError(RefusedError, RuntimeError):
    """The demo run failed; the message names the step, the reason and the log file."""
