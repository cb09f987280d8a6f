"""Object stores behind the lake: a local folder or any S3 endpoint (AWS, MinIO, LocalStack, a test server).

Both offer the same small interface, and each `put` is atomic: S3 publishes an object in one PUT, and the
local store writes to an in-flight name starting with `_` and renames it into place.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit


class LakeUnavailableError(RuntimeError):
    """The lake cannot be reached or written; the message is one line naming where."""


class ObjectStore(Protocol):
    url: str

    def put(self, key: str, data: bytes) -> None: ...
    def get(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def list(self, prefix: str) -> list[str]: ...
    def delete(self, keys: list[str]) -> None: ...
    def check(self) -> None: ...


@dataclass(frozen=True)
class LocalStore:
    """A folder: keys are relative paths below it."""

    root: Path

    @property
    def url(self) -> str:
        return self.root.resolve().as_uri()

    def _path(self, key: str) -> Path:
        return self.root / key

    def put(self, key: str, data: bytes) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        inflight = target.with_name(f"_{target.name}.{uuid.uuid4().hex[:8]}.inflight")
        try:
            inflight.write_bytes(data)
            inflight.replace(target)
        finally:
            inflight.unlink(missing_ok=True)

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str) -> list[str]:
        base = self._path(prefix)
        if not base.is_dir():
            return []
        return sorted(str(p.relative_to(self.root)) for p in base.rglob("*") if p.is_file())

    def delete(self, keys: list[str]) -> None:
        for key in keys:
            self._path(key).unlink(missing_ok=True)

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / f"_probe-{uuid.uuid4().hex}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise LakeUnavailableError(f"cannot write the lake folder {self.root}: {exc.strerror or exc}") from None


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
            endpoint_url=env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL") or None,
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
            access_key_id=key,
            secret_access_key=secret,
            session_token=token,
        )

    def client(self) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            aws_session_token=self.session_token,
            # Fail fast on an unreachable endpoint: a clear error within seconds beats a minute of retries.
            # SigV4 everywhere, presigned URLs included (boto3 would presign with the deprecated SigV2 in us-east-1).
            config=Config(
                connect_timeout=3,
                read_timeout=30,
                retries={"max_attempts": 2, "mode": "standard"},
                signature_version="s3v4",
            ),
        )

    def polars_storage_options(self) -> dict[str, str]:
        options = {"aws_region": self.region}
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
        )


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
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise self._fail(f"read {key} from", exc) from exc
        except BotoCoreError as exc:
            raise self._fail(f"read {key} from", exc) from exc

    def list(self, prefix: str) -> list[str]:
        from botocore.exceptions import BotoCoreError, ClientError

        full = self._key(prefix).rstrip("/") + "/"
        keys: list[str] = []
        try:
            for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=full):
                keys += [obj["Key"] for obj in page.get("Contents", [])]
        except (BotoCoreError, ClientError) as exc:
            raise self._fail("list", exc) from exc
        strip = len(self.prefix) + 1 if self.prefix else 0
        return sorted(k[strip:] for k in keys)

    def delete(self, keys: list[str]) -> None:
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
            self._client.head_bucket(Bucket=self.bucket)
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
