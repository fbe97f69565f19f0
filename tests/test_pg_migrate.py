"""`knowledge migrate --to URL` copies an SQLite fact base into a new
PostgreSQL database with nothing lost, and refuses a target that holds data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg

from knowledge.cli.main import main
from knowledge.store.pg_copy import COPIED_TABLES

REPO = Path(__file__).resolve().parent.parent


def built(tmp_path: Path, name: str = "factbot") -> Path:
    """A config for tmp_path/NAME.db, its fact base built."""
    cfg = tmp_path / f"{name}.toml"
    cfg.write_text(f"[database]\npath = '{name}.db'\n", encoding="utf-8")
    assert main(["--config", str(cfg), "build"]) == 0
    return cfg


def add_fact(cfg: Path, capsys) -> str:
    fact = ["add", "--guild", "5", "--text", "The club meets on Fridays.", "--citation", "Rules"]
    assert main(["--config", str(cfg), "fact", *fact, "--question", "When do we meet?"]) == 0
    return capsys.readouterr().out.split()[-1]


def test_migrate_copies_every_row_and_the_audit_history(tmp_path, pg_url, capsys):
    cfg = built(tmp_path)
    base = ["--config", str(cfg)]
    fact_id = add_fact(cfg, capsys)
    assert main([*base, "fact", "edit", fact_id, "--text", "The club meets on Saturdays."]) == 0
    assert main([*base, "fact", "remove", fact_id]) == 0
    assert main([*base, "ask", "When do we meet?"]) in (0, 1)
    capsys.readouterr()

    assert main([*base, "migrate", "--to", pg_url]) == 0
    out = capsys.readouterr().out
    assert "facts:" in out and "audit_log:" in out

    source = sqlite3.connect(tmp_path / "factbot.db")
    tables = {r[0] for r in source.execute("select name from sqlite_master where type = 'table'")}
    not_copied = {"_sqlite_migrations", "sqlite_sequence"} | {
        t
        for t in tables
        if t.startswith("fact_search")  # FTS5: an index on PostgreSQL
    }
    assert tables - not_copied == set(COPIED_TABLES)  # a new table must be copied too
    with psycopg.connect(pg_url) as target:
        for table in COPIED_TABLES:
            want = source.execute(f"select count(*) from {table}").fetchone()[0]
            got = target.execute(f"select count(*) from {table}").fetchone()[0]
            assert got == want, table
        audit = "select id, at, actor, action, fact_id, before, after from audit_log order by id"
        assert target.execute(audit).fetchall() == source.execute(audit).fetchall()
        assert target.execute("select count(*) from facts").fetchone()[0] >= 50
        generation = "select value from meta where key = 'generation'"
        assert target.execute(generation).fetchone() == source.execute(generation).fetchone()
        # the id sequences continue after the copied ids
        last = target.execute("select max(id) from audit_log").fetchone()[0]
        new = target.execute(
            "insert into audit_log (at, action) values ('now', 'test') returning id"
        ).fetchone()[0]
        assert new == last + 1


def test_migrate_refuses_a_target_with_data(tmp_path, pg_url, capsys):
    cfg = built(tmp_path)
    assert main(["--config", str(cfg), "migrate", "--to", pg_url]) == 0
    capsys.readouterr()
    assert main(["--config", str(cfg), "migrate", "--to", pg_url]) == 1
    err = capsys.readouterr().err
    assert "already holds facts" in err and "Traceback" not in err


def test_migrate_to_an_unreachable_server_is_a_clear_error(tmp_path, capsys):
    cfg = built(tmp_path)
    capsys.readouterr()
    url = f"postgresql://factbot@/x?host={Path(tmp_path)}&connect_timeout=2"
    assert main(["--config", str(cfg), "migrate", "--to", url]) == 1
    err = capsys.readouterr().err
    assert "cannot connect" in err and "database.url" in err


def test_migrate_back_from_postgres_into_a_new_file(tmp_path, pg_url, capsys):
    cfg = built(tmp_path)
    back_cfg = tmp_path / "back.toml"
    back_cfg.write_text("[database]\npath = 'back.db'\n", encoding="utf-8")
    add_fact(cfg, capsys)
    assert main(["--config", str(cfg), "migrate", "--to", pg_url]) == 0
    assert main(["--config", str(back_cfg), "migrate", "--from", pg_url]) == 0
    capsys.readouterr()
    first = sqlite3.connect(tmp_path / "factbot.db")
    back = sqlite3.connect(tmp_path / "back.db")
    for table in COPIED_TABLES:
        query = f"select * from {table} order by 1, 2"
        assert back.execute(query).fetchall() == first.execute(query).fetchall(), table
    # the copy is a working fact base: it answers, and finds the fact by its words
    assert main(["--config", str(back_cfg), "ask", "When do we meet?", "--guild", "5"]) == 0
    assert "Fridays" in capsys.readouterr().out
    # a second copy back never overwrites
    assert main(["--config", str(back_cfg), "migrate", "--from", pg_url]) == 1
    assert "already exists" in capsys.readouterr().err


def test_database_url_is_checked_and_not_silently_ignored(tmp_path, capsys, pg_url):
    from knowledge.config import load_config

    bad = tmp_path / "bad.toml"
    bad.write_text("[database]\nurl = 'mysql://x@y/z'\n", encoding="utf-8")
    assert main(["--config", str(bad), "ask", "hi"]) == 1
    assert "database.url must be empty" in capsys.readouterr().err
    env = {"FACTBOT_DATABASE__URL": pg_url}
    assert load_config(bad, environ=env).database.url == pg_url  # the environment wins

    cfg = built(tmp_path)
    with_url = tmp_path / "url.toml"
    with_url.write_text(f"[database]\npath = 'factbot.db'\nurl = '{pg_url}'\n", encoding="utf-8")
    # migrate takes its target from database.url
    assert main(["--config", str(with_url), "migrate"]) == 0
    assert f"Copied {tmp_path / 'factbot.db'} to " in capsys.readouterr().out
    assert cfg.exists()
    # then the other commands run on PostgreSQL, except those made for the file
    assert main(["--config", str(with_url), "ask", "How big is GREE?"]) == 0
    assert "GREE" in capsys.readouterr().out
    # backup there writes the portable export (tests/test_portable_backup.py)
    assert main(["--config", str(with_url), "backup", str(tmp_path / "copy.jsonl")]) == 0
    assert "Exported postgresql://" in capsys.readouterr().out
    data = REPO / "tests" / "data"
    questions, facts = data / "invented_faq_questions.jsonl", data / "invented_faq.json"
    assert main(["--config", str(with_url), "eval", str(questions), "--facts", str(facts)]) == 1
    err = capsys.readouterr().err
    assert "database.url is set" in err and "migrate --from" in err


def test_a_pg_dump_restores_into_a_new_database_and_copies_back(tmp_path, pg_server, pg_url):
    """The pg_dump / pg_restore commands of docs/operations.md on a fact base."""
    cfg = built(tmp_path)
    assert main(["--config", str(cfg), "migrate", "--to", pg_url]) == 0
    dump = pg_server.root / "factbot.dump"
    dbname = pg_url.split("@/")[1].split("?")[0]
    socket = str(pg_server.socket_dir)
    done = pg_server._run("pg_dump", "-h", socket, "-U", "factbot", "-Fc", "-f", str(dump), dbname)
    assert done.returncode == 0, done.stderr
    restored = pg_server.create_database(dbname + "_r")
    done = pg_server._run(
        "pg_restore", "--no-owner", "-h", socket, "-U", "factbot", "-d", dbname + "_r", str(dump)
    )
    assert done.returncode == 0, done.stderr
    back = tmp_path / "back.toml"
    back.write_text("[database]\npath = 'back.db'\n", encoding="utf-8")
    assert main(["--config", str(back), "migrate", "--from", restored]) == 0
    first, again = sqlite3.connect(tmp_path / "factbot.db"), sqlite3.connect(tmp_path / "back.db")
    for table in COPIED_TABLES:
        query = f"select * from {table} order by 1, 2"
        assert again.execute(query).fetchall() == first.execute(query).fetchall(), table
