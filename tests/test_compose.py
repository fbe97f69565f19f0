"""The example compose.yaml: PostgreSQL and two shard containers of the
Dockerfile's image, configured as FactBot reads its environment."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from knowledge.config import load_config

REPO = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
SHARDS = {name: s for name, s in COMPOSE["services"].items() if name.startswith("shard-")}


def interpolated(value: str, environ: dict[str, str]) -> str:
    """${NAME}, ${NAME:?message} and ${NAME:-default} as compose fills them in."""
    return re.sub(r"\$\{(\w+)(?::[?-][^}]*)?\}", lambda m: environ[m.group(1)], value)


def test_two_shards_of_the_repository_image_wait_for_a_healthy_postgres():
    assert len(SHARDS) == 2
    for shard in SHARDS.values():
        assert shard["build"] == "."
        assert (REPO / shard["build"] / "Dockerfile").exists()
        assert shard["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert shard["healthcheck"]["test"] == ["CMD", "python", "-m", "bot", "status"]
    postgres = COMPOSE["services"]["postgres"]
    assert "pg_isready" in postgres["healthcheck"]["test"]
    volume, _, mount = postgres["volumes"][0].partition(":")
    assert volume in COMPOSE["volumes"] and mount == "/var/lib/postgresql/data"  # named


def test_each_shard_reads_the_postgres_url_and_its_own_shard_ids():
    postgres = COMPOSE["services"]["postgres"]["environment"]
    environ = {"FACTBOT_PG_PASSWORD": "s3cret"}
    seen: list[int] = []
    for shard in SHARDS.values():
        env = {k: interpolated(str(v), environ) for k, v in shard["environment"].items()}
        config = load_config(REPO / "config.toml", environ=env)
        url = urlsplit(config.database.url)
        assert url.hostname == "postgres" and url.username == postgres["POSTGRES_USER"]
        assert url.password == interpolated(postgres["POSTGRES_PASSWORD"], environ)
        assert url.path == "/" + postgres["POSTGRES_DB"]
        assert config.bot.shard_count == len(SHARDS)
        seen += config.bot.shard_ids
        token = env["DISCORD_TOKEN_FILE"]
        assert token == f"/run/secrets/{shard['secrets'][0]}"
        assert shard["secrets"][0] in COMPOSE["secrets"]
    assert sorted(seen) == list(range(len(SHARDS)))  # every shard, once


def test_readme_scaling_points_to_the_compose_example():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    scaling = readme.split("## Scaling", 1)[1].split("\n## ", 1)[0]
    assert "(compose.yaml)" in scaling
