"""`python -m knowledge fact ...` as an operator uses it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from knowledge.cli.main import main


@pytest.fixture
def cfg(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[database]\npath = 'factbot.db'\n", encoding="utf-8")
    assert main(["--config", str(path), "build"]) == 0
    return str(path)


def run(cfg, capsys, *argv):
    code = main(["--config", cfg, "fact", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def add(cfg, capsys, text, citation, *more):
    """`fact add` in server 5."""
    return run(cfg, capsys, "add", "--guild", "5", "--text", text, "--citation", citation, *more)


def test_full_fact_lifecycle_from_the_terminal(cfg, capsys, tmp_path):
    code, out, _ = add(
        cfg,
        capsys,
        "The club meets on Fridays.",
        "Club rules",
        "--question",
        "When does the club meet?",
    )
    assert code == 0
    fact_id = out.split()[-1]
    code, out, _ = run(cfg, capsys, "show", fact_id)
    assert "The club meets on Fridays." in out and "[admin, server 5]" in out and "by cli" in out

    assert run(cfg, capsys, "edit", fact_id, "--text", "The club meets on Saturdays.")[0] == 0
    assert run(cfg, capsys, "remove", fact_id)[0] == 0
    assert "REMOVED" in run(cfg, capsys, "show", fact_id)[1]
    assert run(cfg, capsys, "restore", fact_id)[0] == 0

    code, out, _ = run(cfg, capsys, "history", fact_id)
    lines = out.splitlines()
    assert [line.split()[3] for line in lines] == ["create", "update", "remove", "restore"]
    first = lines[0].split()[0]
    assert run(cfg, capsys, "history", fact_id, "--rollback", first)[0] == 0
    assert "Fridays" in run(cfg, capsys, "show", fact_id)[1]

    export = tmp_path / "facts.json"
    assert run(cfg, capsys, "export", "--guild", "5", "-o", str(export))[0] == 0
    data = json.loads(export.read_text())
    assert any(r["id"] == fact_id and r["curated"] is False for r in data["facts"])
    code, out, _ = run(cfg, capsys, "import", str(export), "--guild", "5")
    assert "0 to add, 0 to change" in out and "Dry run" in out


def test_duplicate_needs_force(cfg, capsys):
    near_duplicate = "Facebook had some 11 million users in Japan in 2011."
    code, _, err = add(cfg, capsys, near_duplicate, "x")
    assert code == 1 and "facebook-passes-mixi-nielsen" in err
    assert add(cfg, capsys, near_duplicate, "x", "--force")[0] == 0


def test_owner_edit_of_a_curated_fact_survives_rebuild(cfg, capsys):
    assert (
        run(
            cfg,
            capsys,
            "edit",
            "phones-went-down-march-11",
            "--text",
            "Phones failed on March 11, 2011.",
        )[0]
        == 0
    )
    assert main(["--config", cfg, "build"]) == 0
    assert "no changes" in capsys.readouterr().out
    assert "Phones failed" in run(cfg, capsys, "show", "phones-went-down-march-11")[1]


def test_import_apply_and_rejections(cfg, capsys, tmp_path):
    path = tmp_path / "in.json"
    path.write_text(
        json.dumps(
            {
                "facts": [
                    {
                        "id": "club-founded",
                        "text": "The club was founded in 2020.",
                        "citation": "About page",
                    },
                    {"id": "bad", "text": "", "citation": "x"},
                ]
            }
        )
    )
    code, out, _ = run(cfg, capsys, "import", str(path), "--guild", "9", "--apply")
    assert code == 0 and "1 to add" in out and "1 rejected" in out and "text is missing" in out
    assert "[admin, server 9]" in run(cfg, capsys, "show", "club-founded")[1]


def test_bad_input_gets_a_clear_error(cfg, capsys, tmp_path):
    code, _, err = run(cfg, capsys, "show", "no-such-fact")
    assert code == 1 and "no fact with id 'no-such-fact'" in err
    code, _, err = add(cfg, capsys, "x" * 1200, "c")
    assert code == 1 and "limit is 1000" in err
    garbage = tmp_path / "g.json"
    garbage.write_bytes(b"\x00\x01 not json")
    code, _, err = run(cfg, capsys, "import", str(garbage), "--guild", "5")
    assert code == 1 and "not valid JSON" in err


def test_import_rejects_a_wrong_type_by_field_and_id_like_every_path(cfg, capsys, tmp_path):
    path = tmp_path / "in.json"
    record = {"id": "typed", "text": "Typed.", "citation": "x", "keywords": "not-a-list"}
    path.write_text(json.dumps({"facts": [record]}))
    code, out, _ = run(cfg, capsys, "import", str(path), "--guild", "9", "--apply")
    assert code == 0 and "rejected typed: keywords must be a list of strings" in out
    assert "Applied: 0 added" in out


def test_export_into_a_reader_that_stops_early_ends_without_a_traceback(cfg):
    """`python -m knowledge fact export | head`: the reader is gone before the
    export writes, which must end quietly, not in a BrokenPipeError traceback."""
    process = subprocess.Popen(
        [sys.executable, "-m", "knowledge", "--config", cfg, "fact", "export"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process.stdout.close()  # like `head` after its lines
    stderr = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait(timeout=60) == 1
    assert stderr == ""
