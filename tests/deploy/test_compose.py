"""The Docker deployment, checked statically (no Docker engine needed): docker-compose.yml, the Dockerfile,
deploy/dagster.yaml and deploy/workspace.docker.yaml agree with each other and with what the code reads.
"""

from __future__ import annotations

import ast
import re
import shlex
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
INSTANCE_YAML = ROOT / "deploy" / "dagster.yaml"
WORKSPACE_YAML = ROOT / "deploy" / "workspace.docker.yaml"
ENV_EXAMPLE = ROOT / ".env.example"

DAGSTER_SERVICES = ("code", "webserver", "daemon")
SECRETS = ("POSTGRES_PASSWORD", "MINIO_ROOT_PASSWORD")
CADDYFILE = ROOT / "deploy" / "Caddyfile"
README = ROOT / "README.md"
BUCKETS = {"bronze", "silver", "gold"}
DEPENDS_ON_CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}

ENV_NAME = re.compile(r"\b(?:ECOM|DAGSTER)_[A-Z0-9_]+\b")
# Calls whose first argument is the name of a variable read from the environment.
ENV_READ_CALL = re.compile(r"(?:^|\.)(?:environ\.get|env\.get|getenv|EnvVar(?:\.\w+)?)$")
# Variables the code reads that the Dagster services may leave unset, each with the reason.
OPTIONAL = {
    "ECOM_HOME": "the image sets ENV ECOM_HOME=/opt/dagster/ecom (checked below); nothing lands there in docker",
    "ECOM_DAGSTER_URL": "read by `ecom backfill` in a user's shell, to reach the webserver; not by the deployment",
}
REQUIRED = {"ECOM_ENV", "ECOM_DATABASE_URL", "ECOM_LAKE_URL"}
# Names built at run time (f-strings): the literal prefix, and every name it can take.
DYNAMIC = {"ECOM_LAKE_": {f"ECOM_LAKE_{layer.upper()}" for layer in ("bronze", "silver", "gold")}}


@cache
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def environment(service: str) -> dict[str, str]:
    env = services()[service].get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def with_defaults(value: str) -> str:
    """Compose interpolation with every optional variable unset: `${X:-default}` -> default, a required
    `${X:?message}` -> `<X>` (a stand-in for the value .env must give), `$$` -> `$`."""
    value = re.sub(r"\$\{[A-Z0-9_]+:?-([^}]*)\}", r"\1", value)
    value = re.sub(r"\$\{([A-Z0-9_]+):?\?[^}]*\}", r"<\1>", value)
    return value.replace("$$", "$")


class MissingVariableError(Exception):
    pass


_REFERENCE = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's variable substitution: `${X}`, `${X:-d}`, `${X-d}`, `${X:?e}`, `${X?e}` and `$$`."""

    def replace(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name, op, arg = m["name"], m["op"], m["arg"] or ""
        value = env.get(name)
        empty = value is None or (value == "" and op is not None and op.startswith(":"))
        if op in (":?", "?") and empty:
            raise MissingVariableError(f"required variable {name} is missing a value: {arg}")
        if op in (":-", "-") and empty:
            return arg
        return value or ""

    return _REFERENCE.sub(replace, text)


def published_ports(service: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(host address, host port, container port) of every published port, short or long syntax."""
    out = []
    for p in service.get("ports") or []:
        if isinstance(p, dict):
            out.append((str(p.get("host_ip", "")), str(p.get("published", "")), str(p["target"])))
            continue
        parts = re.findall(r"(?:\$\{[^}]*\}|[^:])+", str(p))  # split on the colons outside ${...}
        host, port, target = ["", "", *parts][-3:]
        out.append((host, port, target))
    return out


def depends_on(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {name: {"condition": "service_started"} for name in deps}
    return deps


def volume_mounts(service: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(type, source, target) of every mount: short `src:dst[:mode]` syntax or the long form."""
    mounts = []
    for v in service.get("volumes") or []:
        if isinstance(v, dict):
            mounts.append((v.get("type", "volume"), v.get("source", ""), v["target"]))
            continue
        parts = v.split(":")
        if len(parts) == 1:
            mounts.append(("anonymous", "", parts[0]))
            continue
        source, target = parts[0], parts[1]
        kind = "bind" if source.startswith((".", "/", "~", "$")) else "volume"
        mounts.append((kind, source, target))
    return mounts


def _first_arg_names(node: ast.Call | ast.Subscript) -> set[str]:
    arg = node.args[0] if isinstance(node, ast.Call) and node.args else getattr(node, "slice", None)
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and ENV_NAME.fullmatch(arg.value):
        return {arg.value}
    if isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
        prefix = str(arg.values[0].value)
        if ENV_NAME.match(prefix):
            if prefix not in DYNAMIC:
                raise AssertionError(f"the code builds variable names from {prefix!r}: list them in DYNAMIC")
            return DYNAMIC[prefix]
    return set()


def _reads_environment(node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        return bool(ENV_READ_CALL.search(ast.unparse(node.func)))
    # os.environ["X"]; `os.environ["X"] = ...` writes, it does not read.
    return (
        isinstance(node, ast.Subscript)
        and isinstance(node.ctx, ast.Load)
        and ast.unparse(node.value).endswith("environ")
    )


@cache
def variables_the_code_reads() -> dict[str, list[str]]:
    """ECOM_*/DAGSTER_* names read through os.environ[...], environ.get, env.get, getenv or EnvVar, with where."""
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "ecom_pipeline").rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = _first_arg_names(node) if _reads_environment(node) else set()
            for name in names:
                found.setdefault(name, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def env_references(node: Any) -> set[str]:
    """Names in `{env: NAME}` references anywhere in a Dagster config document."""
    if isinstance(node, dict):
        if set(node) == {"env"}:
            return {node["env"]}
        return set().union(*(env_references(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(env_references(v) for v in node)) if node else set()
    return set()


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


# --- docker-compose.yml: structure ---


def test_every_service_has_an_image_or_a_build() -> None:
    missing = [name for name, s in services().items() if not (s.get("image") or s.get("build"))]
    assert not missing


def test_depends_on_names_existing_services_with_valid_conditions() -> None:
    for name, service in services().items():
        for dep, spec in depends_on(service).items():
            assert dep in services(), f"{name} depends on unknown service {dep}"
            condition = spec.get("condition", "service_started")
            assert condition in DEPENDS_ON_CONDITIONS, f"{name} -> {dep}: condition {condition!r}"
            if condition == "service_healthy":
                assert "healthcheck" in services()[dep], f"{name} waits for {dep} to be healthy; it has no healthcheck"
            if condition == "service_completed_successfully":
                assert services()[dep].get("restart", "no") == "no", f"{dep} must be one-shot for {name} to wait on it"


def test_the_dagster_services_wait_for_their_dependencies() -> None:
    assert depends_on(services()["minio-buckets"])["minio"]["condition"] == "service_healthy"
    code = depends_on(services()["code"])
    assert code["postgres"]["condition"] == "service_healthy"
    assert code["minio-buckets"]["condition"] == "service_completed_successfully"
    for name in ("webserver", "daemon"):
        assert depends_on(services()[name])["code"]["condition"] == "service_healthy"


def test_named_volumes_are_declared() -> None:
    declared = set(compose().get("volumes") or {})
    for name, service in services().items():
        for kind, source, target in volume_mounts(service):
            if kind == "volume":
                assert source in declared, f"{name} mounts volume {source!r} at {target}; not under top-level volumes"


def test_bind_mounted_files_exist_in_the_repository() -> None:
    binds = [(n, src) for n, s in services().items() for kind, src, _ in volume_mounts(s) if kind == "bind"]
    assert binds, "the postgres init script is bind-mounted"
    for name, source in binds:
        assert (ROOT / source).resolve().exists(), f"{name} bind-mounts {source}, which is not in the repository"
        assert (ROOT / source).resolve().is_relative_to(ROOT), f"{name} bind-mounts {source} from outside the repo"


def test_postgres_creates_the_dagster_database_on_first_start() -> None:
    mounts = {target: source for _, source, target in volume_mounts(services()["postgres"])}
    scripts = [src for target, src in mounts.items() if target.startswith("/docker-entrypoint-initdb.d/")]
    assert scripts
    sql = " ".join((ROOT / s).read_text() for s in scripts)
    assert re.search(r"CREATE DATABASE\s+\"?dagster\"?", sql, re.IGNORECASE)
    env = environment("postgres")
    assert with_defaults(env["POSTGRES_DB"]) == "ecom"
    assert with_defaults(environment("code")["DAGSTER_PG_DB"]) == "dagster"


@pytest.mark.parametrize("service", ["postgres", "minio", "webserver", "code"])
def test_healthchecks(service: str) -> None:
    check = services()[service].get("healthcheck")
    assert check and check.get("test"), f"{service} has no healthcheck"
    assert not check.get("disable")


def test_webserver_publishes_port_3000() -> None:
    ports = [
        str(p["target"]) if isinstance(p, dict) else str(p).rsplit(":", 1)[-1] for p in services()["webserver"]["ports"]
    ]
    assert "3000" in ports
    assert "-p 3000" in " ".join(services()["webserver"]["command"])


def test_minio_buckets_creates_exactly_bronze_silver_gold() -> None:
    buckets = services()["minio-buckets"]
    script = " ".join(buckets.get("entrypoint") or []) + "\n" + "\n".join(buckets.get("command") or [])
    created = re.findall(r"\bmc\s+mb\b(?:\s+--?[\w-]+)*\s+[\w.-]+/([\w.-]+)", script)
    assert sorted(created) == sorted(BUCKETS)
    assert buckets.get("restart", "no") == "no"


# --- docker-compose.yml: environment ---


def test_the_scan_finds_the_variables_the_deployment_depends_on() -> None:
    found = variables_the_code_reads()
    assert found.keys() >= REQUIRED | {"ECOM_LAKE_BRONZE", "ECOM_SEED", "ECOM_EPOCH"}, found
    assert not REQUIRED & OPTIONAL.keys(), "ECOM_ENV, ECOM_DATABASE_URL and ECOM_LAKE_URL cannot be optional"
    stale = OPTIONAL.keys() - found.keys()
    assert not stale, f"OPTIONAL lists variables the code no longer reads: {sorted(stale)}"


@pytest.mark.parametrize("service", DAGSTER_SERVICES)
def test_every_variable_the_code_reads_is_set(service: str) -> None:
    env = environment(service)
    missing = {name: where for name, where in variables_the_code_reads().items() if name not in env}
    missing = {name: where for name, where in missing.items() if name not in OPTIONAL}
    assert not missing, f"{service} does not set {missing}"
    for name in REQUIRED:
        assert with_defaults(env[name]), f"{service}: {name} is empty"


@pytest.mark.parametrize("service", DAGSTER_SERVICES)
def test_every_variable_the_instance_reads_is_set(service: str) -> None:
    references = env_references(yaml.safe_load(INSTANCE_YAML.read_text()))
    assert references >= {f"DAGSTER_PG_{x}" for x in ("USERNAME", "PASSWORD", "HOST", "DB", "PORT")}
    env = environment(service)
    assert not references - env.keys(), f"{service} does not set {sorted(references - env.keys())}"
    assert env["DAGSTER_HOME"] == "/opt/dagster/dagster_home"
    assert env["ECOM_ENV"] == "docker"


@pytest.mark.parametrize("service", DAGSTER_SERVICES)
def test_s3_settings_point_at_minio_with_its_credentials(service: str) -> None:
    env = environment(service)
    minio = environment("minio")
    assert env["AWS_ENDPOINT_URL"] == "http://minio:9000"
    assert env["AWS_REGION"]
    assert env["AWS_ACCESS_KEY_ID"] == minio["MINIO_ROOT_USER"]
    assert env["AWS_SECRET_ACCESS_KEY"] == minio["MINIO_ROOT_PASSWORD"]


def test_database_urls_match_the_postgres_service() -> None:
    pg = {k: with_defaults(v) for k, v in environment("postgres").items()}
    code = {k: with_defaults(v) for k, v in environment("code").items()}
    user, password, db = pg["POSTGRES_USER"], pg["POSTGRES_PASSWORD"], pg["POSTGRES_DB"]
    assert code["ECOM_DATABASE_URL"] == f"postgresql://{user}:{password}@postgres:5432/{db}"
    assert (code["DAGSTER_PG_USERNAME"], code["DAGSTER_PG_PASSWORD"]) == (user, password)
    assert (code["DAGSTER_PG_HOST"], code["DAGSTER_PG_PORT"]) == ("postgres", "5432")


def test_the_lake_layers_resolve_to_the_three_buckets(tmp_path: Path) -> None:
    """resolve_lake: ECOM_LAKE_<LAYER> wins over ECOM_LAKE_URL/<layer>; every layer has its own bucket."""
    from ecom_pipeline.storage.lake import resolve_lake

    env = {k: with_defaults(v) for k, v in environment("code").items()}
    assert env["ECOM_LAKE_URL"].removeprefix("s3://").split("/")[0] in BUCKETS
    lake = resolve_lake(tmp_path, env).describe()
    assert {layer: lake[layer] for layer in BUCKETS} == {layer: f"s3://{layer}" for layer in BUCKETS}


def test_the_docker_resource_lands_each_layer_in_its_bucket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ecom_pipeline.defs.resources import resources_for
    from ecom_pipeline.storage.lake import resolve_lake

    for name, value in environment("code").items():
        monkeypatch.setenv(name, with_defaults(value))
    ecom = resources_for("docker")["ecom"].process_config_and_initialize()
    lake = resolve_lake(tmp_path, ecom.environ()).describe()
    assert {layer: lake[layer] for layer in BUCKETS} == {layer: f"s3://{layer}" for layer in BUCKETS}


def test_env_example_lists_every_interpolated_variable() -> None:
    interpolated = set(re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)", COMPOSE.read_text()))
    documented = set(re.findall(r"^([A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), re.MULTILINE))
    assert interpolated <= documented, f".env.example lacks {sorted(interpolated - documented)}"
    assert {"POSTGRES_PASSWORD", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"} <= interpolated


# --- docker-compose.yml: hardening ---


def test_every_published_port_listens_on_127_0_0_1_unless_a_variable_says_otherwise() -> None:
    seen = 0
    for name, service in services().items():
        for host, port, target in published_ports(service):
            seen += 1
            assert re.fullmatch(r"\$\{[A-Z_]+:-127\.0\.0\.1\}", host), f"{name} publishes {target} on {host!r}"
            assert with_defaults(host) == "127.0.0.1"
            assert interpolate(host, {"BIND_ADDRESS": "0.0.0.0", "AUTH_PROXY_BIND_ADDRESS": "0.0.0.0"}) == "0.0.0.0"
            assert port and target, (name, port, target)
    assert seen >= 5  # postgres, MinIO's API and console, the webserver, the auth proxy


def test_compose_refuses_to_start_without_the_passwords_and_has_no_default_for_them() -> None:
    text = COMPOSE.read_text()
    for secret in SECRETS:
        others = {s: "x" * 12 for s in SECRETS if s != secret}
        for value in (None, ""):
            env = others | ({} if value is None else {secret: value})
            with pytest.raises(MissingVariableError, match=rf"{secret} is missing a value: set {secret} in \.env"):
                interpolate(text, env)
        references = re.findall(rf"\$\{{{secret}([^}}]*)\}}", text)
        assert references and all(r.startswith(":?") for r in references), (secret, references)
    defaults = re.findall(r"\$\{([A-Z0-9_]*(?:PASSWORD|SECRET|TOKEN|HASH)[A-Z0-9_]*):?-([^}]*)\}", text)
    assert all(default == "" for _, default in defaults), defaults


def test_with_the_passwords_set_every_service_gets_them() -> None:
    resolved = yaml.safe_load(
        interpolate(COMPOSE.read_text(), {"POSTGRES_PASSWORD": "pg-s3cret", "MINIO_ROOT_PASSWORD": "minio-s3cret"})
    )
    env = {name: s.get("environment") or {} for name, s in resolved["services"].items()}
    assert env["postgres"]["POSTGRES_PASSWORD"] == "pg-s3cret"
    assert env["minio"]["MINIO_ROOT_PASSWORD"] == env["minio-buckets"]["MINIO_ROOT_PASSWORD"] == "minio-s3cret"
    for name in DAGSTER_SERVICES:
        assert env[name]["ECOM_DATABASE_URL"] == "postgresql://ecom:pg-s3cret@postgres:5432/ecom"
        assert env[name]["DAGSTER_PG_PASSWORD"] == "pg-s3cret"
        assert env[name]["AWS_SECRET_ACCESS_KEY"] == "minio-s3cret"


def test_env_example_leaves_the_passwords_empty_so_a_copy_as_is_still_refuses_to_start() -> None:
    example = dict(re.findall(r"^([A-Z0-9_]+)=(.*)$", ENV_EXAMPLE.read_text(), re.MULTILINE))
    assert {s: example[s] for s in SECRETS} == dict.fromkeys(SECRETS, "")
    with pytest.raises(MissingVariableError):
        interpolate(COMPOSE.read_text(), example)
    assert example["BIND_ADDRESS"] == "127.0.0.1"


def test_the_ui_can_be_put_behind_basic_auth_with_the_auth_profile() -> None:
    proxy = services()["auth-proxy"]
    assert proxy["profiles"] == ["auth"]
    assert depends_on(proxy)["webserver"]["condition"] == "service_healthy"
    assert [(host, target) for host, _, target in published_ports(proxy)] == [
        ("${AUTH_PROXY_BIND_ADDRESS:-127.0.0.1}", "8080")
    ]
    mounts = {target: source for _, source, target in volume_mounts(proxy)}
    assert mounts["/etc/caddy/Caddyfile"] == "./deploy/Caddyfile"
    caddyfile = CADDYFILE.read_text()
    assert re.search(r"basic_auth\s*\{\s*\{\$DAGSTER_AUTH_USER\} \{\$DAGSTER_AUTH_PASSWORD_HASH\}", caddyfile)
    assert "reverse_proxy webserver:3000" in caddyfile
    script = "\n".join(proxy["command"])
    for name in ("DAGSTER_AUTH_USER", "DAGSTER_AUTH_PASSWORD_HASH"):  # no credentials, no proxy: never open
        assert f'[ -z "$${name}" ]' in script
        assert environment("auth-proxy")[name] == f"${{{name}:-}}"
    assert script.index("exit 1") < script.index("exec caddy run")


def test_the_readme_says_how_to_put_the_ui_behind_authentication() -> None:
    deploy = README.read_text().split("## Deploy", 1)[1].split("\n## ", 1)[0]
    assert "--profile auth" in deploy and "DAGSTER_AUTH_PASSWORD_HASH" in deploy
    assert "127.0.0.1" in deploy and "BIND_ADDRESS" in deploy


# --- deploy/dagster.yaml and deploy/workspace.docker.yaml ---


def test_instance_uses_postgres_through_psycopg2() -> None:
    instance = yaml.safe_load(INSTANCE_YAML.read_text())
    db = instance["storage"]["postgres"]["postgres_db"]
    assert db["scheme"] == "postgresql+psycopg2"
    assert {k: db[k] for k in ("username", "password", "hostname", "db_name", "port")} == {
        "username": {"env": "DAGSTER_PG_USERNAME"},
        "password": {"env": "DAGSTER_PG_PASSWORD"},
        "hostname": {"env": "DAGSTER_PG_HOST"},
        "db_name": {"env": "DAGSTER_PG_DB"},
        "port": {"env": "DAGSTER_PG_PORT"},
    }
    assert instance["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert instance["run_coordinator"]["config"]["max_concurrent_runs"] == 4
    assert instance["telemetry"]["enabled"] is False


def test_webserver_and_daemon_load_the_code_server() -> None:
    workspace = yaml.safe_load(WORKSPACE_YAML.read_text())
    assert workspace["load_from"] == [{"grpc_server": {"host": "code", "port": 4000, "location_name": "ecom_pipeline"}}]
    workdir = [args for ins, args in dockerfile_instructions() if ins == "WORKDIR"][-1]
    for name in ("webserver", "daemon"):
        command = services()[name]["command"]
        path = command[command.index("-w") + 1]
        assert path == f"{workdir}/deploy/workspace.docker.yaml", f"{name} reads {path}"
    code = services()["code"]["command"]
    assert code[code.index("-p") + 1] == "4000"
    assert code[code.index("-m") + 1] == "ecom_pipeline.definitions"


# --- Dockerfile ---


def test_dockerfile_installs_the_locked_dependencies_before_the_project() -> None:
    steps = dockerfile_instructions()
    assert steps[0] == ("FROM", "python:3.11-slim")
    copies = [i for i, (ins, args) in enumerate(steps) if ins == "COPY" and "uv.lock" in args.split()]
    syncs = [i for i, (ins, args) in enumerate(steps) if ins == "RUN" and "uv sync --frozen" in args]
    whole = [i for i, (ins, args) in enumerate(steps) if ins == "COPY" and args.split() == [".", "."]]
    assert copies and syncs and whole
    assert copies[0] < syncs[0] < whole[0], "lock file, then `uv sync --frozen`, then the source (layer cache)"
    assert all("--no-dev" in steps[i][1] for i in syncs)


def test_dockerfile_environment_and_command() -> None:
    steps = dockerfile_instructions()
    env = " ".join(args for ins, args in steps if ins == "ENV")
    assert "DAGSTER_HOME=/opt/dagster/dagster_home" in env
    assert "ECOM_HOME=/opt/dagster/ecom" in env  # why ECOM_HOME may be absent from compose (OPTIONAL)
    assert any(
        ins == "COPY" and args.split() == ["deploy/dagster.yaml", "${DAGSTER_HOME}/dagster.yaml"] for ins, args in steps
    )
    assert any(
        ins == "RUN" and "python -m ecom_pipeline.defs.dbt_project" in args and "dbt_project/dbt_project.yml" in args
        for ins, args in steps
    )
    exposed = {p for ins, args in steps if ins == "EXPOSE" for p in args.split()}
    assert exposed >= {"4000", "3000"}
    cmd = [args for ins, args in steps if ins == "CMD"][-1]
    assert (
        shlex.join(yaml.safe_load(cmd)) == "dagster code-server start -h 0.0.0.0 -p 4000 -m ecom_pipeline.definitions"
    )
