"""The layers stay apart: bot/ reaches knowledge/ only through its facade
(KnowledgeBase, and the Curator for /fact), and knowledge/ knows nothing of Discord."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What bot/ must not import: the storage and retrieval layers behind KnowledgeBase.
HIDDEN_PACKAGES = ("knowledge.store", "knowledge.retrieval")
HIDDEN_ATTRIBUTES = {"store", "retriever"}


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [(node.lineno, node.module)]
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def hidden_imports(source: str) -> list[str]:
    return [
        f"line {line}: {name}"
        for line, name in imported_modules(ast.parse(source))
        if any(name == p or name.startswith(p + ".") for p in HIDDEN_PACKAGES)
    ]


def hidden_attributes(source: str) -> list[str]:
    """`.store` / `.retriever`, also as getattr(x, "store")."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in HIDDEN_ATTRIBUTES:
            found.append(f"line {node.lineno}: .{node.attr}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr")
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in HIDDEN_ATTRIBUTES
        ):
            found.append(f"line {node.lineno}: {node.func.id}(…, {node.args[1].value!r})")
    return found


@pytest.mark.parametrize("path", modules("bot"), ids=lambda p: str(p.relative_to(ROOT)))
def test_bot_modules_do_not_import_the_store_or_the_retriever(path):
    assert hidden_imports(path.read_text()) == []


@pytest.mark.parametrize("path", modules("bot"), ids=lambda p: str(p.relative_to(ROOT)))
def test_bot_modules_do_not_reach_into_the_knowledge_base(path):
    assert hidden_attributes(path.read_text()) == []


@pytest.mark.parametrize("path", modules("knowledge"), ids=lambda p: str(p.relative_to(ROOT)))
def test_knowledge_modules_do_not_import_discord_or_the_bot(path):
    names = [name for _, name in imported_modules(ast.parse(path.read_text()))]
    assert [n for n in names if n.split(".")[0] in ("discord", "bot")] == []


@pytest.mark.parametrize(
    "source",
    [
        "from knowledge.store import FactStore",
        "import knowledge.retrieval.retriever",
        "from knowledge import store",
        "from knowledge.retrieval.normalize import looks_like_question",
    ],
)
def test_the_import_check_finds_a_hidden_import(source):
    assert hidden_imports(source)


@pytest.mark.parametrize(
    "source",
    [
        "kb.store.votes(1)",
        "self.bot.kb.retriever.sources",
        "getattr(kb, 'store')",
    ],
)
def test_the_attribute_check_finds_a_reach_past_the_facade(source):
    assert hidden_attributes(source)


def test_the_checks_let_the_facade_through():
    source = "from knowledge.service import KnowledgeBase\nkb.vote(1, 2, True, guild_id=3)"
    assert hidden_imports(source) == hidden_attributes(source) == []


def token_variable_names(source: str) -> list[str]:
    """Module-level names bound to the token's environment variable names."""
    return [
        target.id
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and node.value.value in ("DISCORD_TOKEN", "DISCORD_TOKEN_FILE")
        for target in node.targets
        if isinstance(target, ast.Name)
    ]


def test_only_the_credentials_module_names_the_token_variables():
    """The token is read in one place (bot/credentials.py), so there is one
    definition of where it comes from."""
    found = {
        str(path.relative_to(ROOT)): names
        for path in modules("bot") + modules("knowledge")
        if (names := token_variable_names(path.read_text()))
    }
    assert found == {"bot/credentials.py": ["TOKEN_ENV", "TOKEN_FILE_ENV"]}
