"""Object stores behind the lake: a local folder or any S3 endpoint (AWS, MinIO, LocalStack, a test server).

Both offer the same small interface, and each `put` is atomic: S3 publishes an object in one PUT, and the
local store writes to an in-flight name starting with `_` and renames it into place. Both also offer the two
conditional writes the lake's dataset claim needs: create only if absent, and replace only if unchanged
(S3's `If-None-Match: *` and `If-Match: <etag>`; locally a hard link, which fails on an existing name, and a
compare-and-rename under an exclusive `flock`).

Every S3 call has a connect timeout, a read timeout and one retry with jittered backoff (botocore's standard
mode), so an endpoint that refuses, or accepts and never answers, fails within seconds with one line.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from ecom_pipeline.errors import LakeUnavailableError

S3_CONNECT_TIMEOUT_S = 3
S3_READ_TIMEOUT_S = 5
S3_MAX_ATTEMPTS = 2  # the call and one retry: a hung endpoint fails in about 2 x the read timeout
# `check`, the first call of a run, asks for a bucket's headers only: a shorter wait tells a hung endpoint sooner.
S3_PROBE_READ_TIMEOUT_S = 2
# polars and pyarrow time a whole request (a large file included), so their limit is longer.
READER_TIMEOUT_S = 30
INFLIGHT_SUFFIX = ".inflight"
# A local in-flight file older than this is stale whoever wrote it (a writer on another host, say).
STALE_INFLIGHT_S = 3600


class ObjectStore(Protocol):
    @property
    def url(self) -> str: ...

    def put(self, key: str, data: bytes) -> None: ...
    def get(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def list(self, prefix: str) -> list[str]: ...
    def delete(self, keys: Sequence[str]) -> None: ...
    def check(self) -> None: ...
    def put_if_absent(self, key: str, data: bytes) -> bool: ...
    def get_versioned(self, key: str) -> tuple[bytes, str] | None: ...
    def replace_if_version(self, key: str, data: bytes, version: str) -> bool: ...
    def is_stale_inflight(self, key: str, now: float | None = None) -> bool: ...


_HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:40] or "host"
_WRITER = re.compile(r"\.(?P<host>[A-Za-z0-9-]+)-(?P<pid>\d+)-[0-9a-f]{8}\.inflight$")


def inflight_name(name: str) -> str:
    """`_<name>.<host>-<pid>-<random>.inflight`: who writes it, so a later write can tell a dead writer's file."""
    return f"_{name}.{_HOST}-{os.getpid()}-{uuid.uuid4().hex[:8]}{INFLIGHT_SUFFIX}"


def is_inflight(key: str) -> bool:
    return key.rsplit("/", 1)[-1].startswith("_") and key.endswith(INFLIGHT_SUFFIX)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


@dataclass(frozen=True)
class LocalStore:
    """A folder: keys are relative paths below it."""

    root: Path

    @property
    def url(self) -> str:
        return self.root.resolve().as_uri()

    def _path(self, key: str) -> Path:
        return self.root / key

    def _fail(self, action: str, key: str, exc: OSError) -> LakeUnavailableError:
        return LakeUnavailableError(f"cannot {action} {self.url}/{key}: {_why(exc)}")

    def _write_inflight(self, key: str, data: bytes) -> Path:
        """The bytes under an in-flight name next to the key's file (removed again if writing fails)."""
        target = self._path(key)
        inflight = target.with_name(inflight_name(target.name))
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            inflight.write_bytes(data)
        except OSError as exc:  # a full disk, a file size limit, a read-only folder: nothing half-written stays
            inflight.unlink(missing_ok=True)
            raise self._fail("write", key, exc) from None
        return inflight

    def put(self, key: str, data: bytes) -> None:
        inflight = self._write_inflight(key, data)
        try:
            inflight.replace(self._path(key))
        except OSError as exc:
            raise self._fail("write", key, exc) from None
        finally:
            inflight.unlink(missing_ok=True)

    def put_if_absent(self, key: str, data: bytes) -> bool:
        """Create the key with `data` unless it exists: a hard link fails on an existing name, atomically."""
        inflight = self._write_inflight(key, data)
        try:
            os.link(inflight, self._path(key))
            return True
        except FileExistsError:
            return False
        except OSError as exc:
            raise self._fail("write", key, exc) from None
        finally:
            inflight.unlink(missing_ok=True)

    def get_versioned(self, key: str) -> tuple[bytes, str] | None:
        try:
            data = self._path(key).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise self._fail("read", key, exc) from None
        return data, hashlib.sha256(data).hexdigest()

    def replace_if_version(self, key: str, data: bytes, version: str) -> bool:
        """Replace the key's bytes if they still hash to `version`, under an exclusive lock on `_<name>.lock`."""
        import fcntl

        target = self._path(key)
        try:
            with target.with_name(f"_{target.name}.lock").open("a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                current = self.get_versioned(key)
                if current is None or current[1] != version:
                    return False
                self.put(key, data)
                return True
        except OSError as exc:
            raise self._fail("write", key, exc) from None

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except OSError as exc:
            raise self._fail("read", key, exc) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str) -> list[str]:
        base = self._path(prefix)
        if not base.is_dir():
            return []
        return sorted(p.relative_to(self.root).as_posix() for p in base.rglob("*") if p.is_file())

    def delete(self, keys: Sequence[str]) -> None:
        for key in keys:
            try:
                self._path(key).unlink(missing_ok=True)
            except OSError as exc:
                raise self._fail("delete", key, exc) from None

    def is_stale_inflight(self, key: str, now: float | None = None) -> bool:
        """An in-flight file whose writer died: its process is gone from this host, or it is over an hour old."""
        if not is_inflight(key):
            return False
        writer = _WRITER.search(key)
        if writer and writer["host"] == _HOST and not _pid_alive(int(writer["pid"])):
            return True
        try:
            age = (now or time.time()) - self._path(key).stat().st_mtime
        except FileNotFoundError:
            return False
        return age > STALE_INFLIGHT_S

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / f"_probe-{uuid.uuid4().hex}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise LakeUnavailableError(f"cannot write the lake folder {self.root}: {_why(exc)}") from None


@dataclass(frozen=True)
class S3Settings:
    """The standard AWS settings, resolved once and passed explicitly to boto3, polars and pyarrow.

    polars (object_store) and pyarrow both need the keys spelled out when an endpoint is set: with the
    endpoint alone they fall back to instance metadata (403) or write corrupt objects.
    """

    endpoint_url: str | None
    region: str
    access_key_id: str | None
    secret_access_key: str | None
    session_token: str | None

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> S3Settings:
        env = os.environ if environ is None else environ
        endpoint = None
        for name in ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"):
            if env.get(name):
                endpoint = _valid_endpoint(name, env[name])
                break
        key, secret, token = (
            env.get("AWS_ACCESS_KEY_ID"),
            env.get("AWS_SECRET_ACCESS_KEY"),
            env.get("AWS_SESSION_TOKEN"),
        )
        if not (key and secret):  # the rest of the standard chain: profiles, SSO, instance roles
            import boto3

            creds = boto3.Session().get_credentials()
            if creds is not None:
                frozen = creds.get_frozen_credentials()
                key, secret, token = frozen.access_key, frozen.secret_key, frozen.token
        return cls(
            endpoint_url=endpoint,
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
            access_key_id=key,
            secret_access_key=secret,
            session_token=token,
        )

    def client(self, read_timeout: float = S3_READ_TIMEOUT_S) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            aws_session_token=self.session_token,
            # SigV4 everywhere, presigned URLs included (boto3 would presign with the deprecated SigV2 in us-east-1).
            config=Config(
                connect_timeout=S3_CONNECT_TIMEOUT_S,
                read_timeout=read_timeout,
                retries={"total_max_attempts": S3_MAX_ATTEMPTS, "mode": "standard"},
                tcp_keepalive=True,
                signature_version="s3v4",
            ),
        )

    def polars_storage_options(self) -> dict[str, str | int]:
        options: dict[str, str | int] = {
            "aws_region": self.region,
            "connect_timeout": f"{S3_CONNECT_TIMEOUT_S}s",
            "timeout": f"{READER_TIMEOUT_S}s",
            "max_retries": S3_MAX_ATTEMPTS - 1,
        }
        if self.endpoint_url:
            options["aws_endpoint_url"] = self.endpoint_url
            options["aws_allow_http"] = str(self.endpoint_url.startswith("http://")).lower()
        if self.access_key_id and self.secret_access_key:
            options["aws_access_key_id"] = self.access_key_id
            options["aws_secret_access_key"] = self.secret_access_key
        if self.session_token:
            options["aws_session_token"] = self.session_token
        return options

    def pyarrow_filesystem(self) -> Any:
        from pyarrow import fs

        endpoint = urlsplit(self.endpoint_url) if self.endpoint_url else None
        return fs.S3FileSystem(
            access_key=self.access_key_id,
            secret_key=self.secret_access_key,
            session_token=self.session_token,
            region=self.region,
            endpoint_override=endpoint.netloc if endpoint else None,
            scheme=endpoint.scheme if endpoint else "https",
            connect_timeout=S3_CONNECT_TIMEOUT_S,
            request_timeout=READER_TIMEOUT_S,
            retry_strategy=fs.AwsStandardS3RetryStrategy(max_attempts=S3_MAX_ATTEMPTS),
        )


def _not_found(exc: Any) -> bool:
    return exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


def _valid_endpoint(name: str, value: str) -> str:
    """An endpoint URL is http(s)://host[:port][/path]; anything else is refused naming the variable."""
    parts = urlsplit(value)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok or any(c.isspace() for c in value):
        raise LakeUnavailableError(f"{name}={value!r} is not an http(s) URL such as http://minio:9000")
    return value


class S3Store:
    """A bucket and key prefix on any S3 endpoint."""

    def __init__(self, bucket: str, prefix: str, settings: S3Settings) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.settings = settings
        self._client = settings.client()

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _fail(self, action: str, exc: Exception) -> LakeUnavailableError:
        where = self.settings.endpoint_url or "AWS"
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return LakeUnavailableError(f"cannot {action} {self.url} at {where}: {reason}")

    def put(self, key: str, data: bytes) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)
        except (BotoCoreError, ClientError) as exc:
            raise self._fail(f"write {key} to", exc) from exc

    def _put_conditional(self, key: str, data: bytes, **condition: str) -> bool:
        """A PUT that S3 refuses (412, or 409 for a concurrent conditional write) when the condition fails."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, **condition)
            return True
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status in (409, 412) or exc.response.get("Error", {}).get("Code") == "PreconditionFailed":
                return False
            raise self._fail(f"write {key} to", exc) from exc
        except BotoCoreError as exc:
            raise self._fail(f"write {key} to", exc) from exc

    def put_if_absent(self, key: str, data: bytes) -> bool:
        return self._put_conditional(key, data, IfNoneMatch="*")

    def get_versioned(self, key: str) -> tuple[bytes, str] | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self._client.get_object(Bucket=self.bucket, Key=self._key(key))
            return response["Body"].read(), response["ETag"]
        except ClientError as exc:
            if _not_found(exc):
                return None
            raise self._fail(f"read {key} from", exc) from exc
        except BotoCoreError as exc:
            raise self._fail(f"read {key} from", exc) from exc

    def replace_if_version(self, key: str, data: bytes, version: str) -> bool:
        return self._put_conditional(key, data, IfMatch=version)

    def is_stale_inflight(self, key: str, now: float | None = None) -> bool:
        return False  # an S3 PUT is atomic: nothing is ever in flight under a name

    def get(self, key: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self._client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except (BotoCoreError, ClientError) as exc:
            raise self._fail(f"read {key} from", exc) from exc

    def exists(self, key: str) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except ClientError as exc:
            if _not_found(exc):
                return False
            raise self._fail(f"read {key} from", exc) from exc
        except BotoCoreError as exc:
            raise self._fail(f"read {key} from", exc) from exc

    def list(self, prefix: str) -> list[str]:
        from botocore.exceptions import BotoCoreError, ClientError

        full = self._key(prefix.strip("/")).rstrip("/")
        full = f"{full}/" if full else ""  # the whole bucket
        keys: list[str] = []
        try:
            for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=full):
                keys += [obj["Key"] for obj in page.get("Contents", [])]
        except (BotoCoreError, ClientError) as exc:
            raise self._fail("list", exc) from exc
        strip = len(self.prefix) + 1 if self.prefix else 0
        return sorted(k[strip:] for k in keys)

    def delete(self, keys: Sequence[str]) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        for start in range(0, len(keys), 1000):
            batch = [{"Key": self._key(k)} for k in keys[start : start + 1000]]
            if not batch:
                continue
            try:
                response = self._client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
            except (BotoCoreError, ClientError) as exc:
                raise self._fail("delete from", exc) from exc
            if response.get("Errors"):
                first = response["Errors"][0]
                raise LakeUnavailableError(
                    f"cannot delete {first.get('Key')} from {self.url}: {first.get('Message', first.get('Code'))}"
                )

    def presigned_url(self, key: str, expires_in_s: int) -> str:
        """An http(s) URL that reads the object without credentials until it expires (signed locally, offline)."""
        return self._client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self._key(key)}, ExpiresIn=expires_in_s
        )

    def check(self) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.settings.client(read_timeout=S3_PROBE_READ_TIMEOUT_S).head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            raise self._fail("reach bucket", exc) from None


def open_store(url: str, s3: S3Settings | None = None) -> ObjectStore:
    """`s3://bucket/prefix`, `file:///path` or a plain path."""
    parts = urlsplit(url)
    if parts.scheme == "s3":
        if not parts.netloc:
            raise LakeUnavailableError(f"lake URL {url!r} names no bucket")
        return S3Store(parts.netloc, parts.path, s3 or S3Settings.from_environment())
    if parts.scheme == "file":
        from urllib.request import url2pathname

        return LocalStore(Path(url2pathname(parts.path)))
    if parts.scheme in ("", "c", "d") or len(parts.scheme) == 1:  # plain paths (and Windows drive letters)
        return LocalStore(Path(url))
    raise LakeUnavailableError(f"lake URL {url!r}: use s3://bucket/prefix, file:///path or a plain path")
