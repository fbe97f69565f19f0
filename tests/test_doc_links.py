"""README.md and docs/*.md link only to files and headings that exist, and name
only repository paths that exist."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

REPO = Path(__file__).resolve().parent.parent
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]

INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)")
ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
REPO_PATH = re.compile(r"^(?:knowledge|bot|tests|benchmarks|scripts|docs)/[\w./*-]*$")
# Written by `make bench`, never committed.
GENERATED = ("benchmarks/results/",)


def prose_lines(text: str) -> list[str]:
    """The lines outside fenced code blocks."""
    lines, fence = [], None
    for line in text.splitlines():
        marker = re.match(r"^ {0,3}(`{3,}|~{3,})", line)
        if marker and (fence is None or marker.group(1)[0] == fence[0]):
            fence = None if fence else marker.group(1)
            continue
        if fence is None:
            lines.append(line)
    return lines


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: its rendered text in lower case, every
    character but letters, digits, `_`, `-` and spaces dropped, spaces as `-`."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link shows its text
    text = re.sub(r"<[^>]+>", "", text).replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every heading's anchor; repeats get -1, -2, ... as on GitHub."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    for line in prose_lines(page.read_text(encoding="utf-8")):
        heading = ATX_HEADING.match(line)
        if not heading:
            continue
        slug = github_slug(heading.group(2))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def links(page: Path) -> list[str]:
    """Every link target in the page's prose (code spans and blocks are not links)."""
    targets = []
    for line in prose_lines(page.read_text(encoding="utf-8")):
        reference = REFERENCE_LINK.match(line)
        if reference:
            targets.append(reference.group(1))
        targets += INLINE_LINK.findall(CODE_SPAN.sub("", line))
    return targets


def broken_links(page: Path, root: Path = REPO) -> list[str]:
    """Links to a missing file or heading, or out of `root`."""
    broken = []
    for target in links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, flags=re.I):  # https:, mailto:, ...
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / unquote(path)).resolve() if path else page
        if not resolved.exists() or not resolved.is_relative_to(root):
            broken.append(f"{target}: no such file")
        elif anchor and (resolved.suffix != ".md" or unquote(anchor) not in anchors(resolved)):
            broken.append(f"{target}: no such heading")
    return broken


def test_github_slugs():
    assert github_slug("Run it") == "run-it"
    assert (
        github_slug("Registering the slash commands (command sync)")
        == "registering-the-slash-commands-command-sync"
    )
    assert github_slug("What's `python -m bot status`?") == "whats-python--m-bot-status"
    assert github_slug("Ask FactBot — it cites ¶2 👍") == "ask-factbot--it-cites-2-"
    assert github_slug("The [Discord](https://discord.com) double") == "the-discord-double"


def test_repeated_headings_are_numbered(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "# Logs\n\n```sh\n# not a heading\n```\n\n## Logs\n### Logs\n", encoding="utf-8"
    )
    assert anchors(page) == {"logs", "logs-1", "logs-2"}


def test_a_broken_link_or_anchor_is_found(tmp_path):
    (tmp_path / "other.md").write_text("# Other page\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "# Top\n[ok](other.md#other-page) [ok](#top) [web](https://example.com/x#y)\n"
        "`[code](missing.md)` [gone](missing.md) [bad](other.md#nope) [bad](#nope)\n",
        encoding="utf-8",
    )
    assert broken_links(page, root=tmp_path) == [
        "missing.md: no such file",
        "other.md#nope: no such heading",
        "#nope: no such heading",
    ]


def test_there_are_docs_pages():
    names = {page.name for page in PAGES}
    assert {"README.md", "architecture.md", "configuration.md", "curation.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_resolves(page):
    assert links(page), "a page with no links is not part of the map"
    assert broken_links(page) == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_repository_path_named_exists(page):
    missing = []
    for line in prose_lines(page.read_text(encoding="utf-8")):
        for _, span in CODE_SPAN.findall(line):
            if not REPO_PATH.match(span) or span.startswith(GENERATED):
                continue
            if not (list(REPO.glob(span)) if "*" in span else (REPO / span).exists()):
                missing.append(span)
    assert missing == []


def test_every_docs_page_is_in_the_readme_map():
    linked = {(REPO / target.partition("#")[0]).resolve() for target in links(REPO / "README.md")}
    assert [p.name for p in PAGES[1:] if p.resolve() not in linked] == []
