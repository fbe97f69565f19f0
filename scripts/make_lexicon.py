"""Generate knowledge/data/lexicon/english.txt.gz, FactBot's general English lexicon.

    apt-get install wordnet-base          # WordNet 3.0 database files
    pip install wordfreq==3.1.1           # word frequencies (data in the package)
    python scripts/make_lexicon.py [--wordnet /usr/share/wordnet]

Neither is needed to run or test FactBot: the generated table is committed,
with the licences of both sources in knowledge/data/lexicon/NOTICE.md. The
table is keyed by the words as the normaliser sees them (`stem` applied), so
rerun this script whenever `knowledge.retrieval.normalize.stem` changes.

Sections (one record a line, words separated by spaces):
  @lemma    form lemma         irregular inflections (bought buy, children child),
                               the form as written, the lemma as the normaliser sees it
  @zipf     NN word word ...   words by frequency, Zipf scale x10 (wordfreq, English)
  @related  word<TAB>same;broader;narrower
            same: synonyms of its commonest senses, similar adjectives and
            derived forms (found -> founder, japanese -> japan); broader: its
            hypernyms, two levels up, never the most abstract ones; narrower:
            its commonest hyponyms and instances
  @place    word word ...       one-word names of countries, cities, regions
"""

from __future__ import annotations

import argparse
import gzip
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from knowledge.retrieval.normalize import STOPWORDS, stem  # noqa: E402

OUT = REPO / "knowledge" / "data" / "lexicon" / "english.txt.gz"
POS = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
SENSES = 2  # the commonest senses of a word (WordNet lists them by frequency)
MIN_ZIPF = 2.5  # rarer words are left out of the related lists
ZIPF_WORDS = 60_000  # the commonest words whose frequency is kept
MAX_SAME, MAX_BROADER, MAX_NARROWER = 10, 6, 12
MIN_DEPTH = 4  # a hypernym this close to the top ("entity", "object", "act") says nothing
PLACE_ROOTS = ("location",)  # instances under these synsets are places


def parse_data(wordnet: Path, pos: str) -> dict[str, tuple[list[str], list[tuple[str, str, str]]]]:
    """synset offset -> (its words, its pointers as (symbol, offset, source/target))."""
    synsets = {}
    for line in (wordnet / f"data.{POS[pos]}").read_text(encoding="latin-1").splitlines():
        if line.startswith(" "):
            continue
        fields = line.split(" | ", 1)[0].split()
        offset, w_cnt = fields[0], int(fields[3], 16)
        words = [fields[4 + 2 * i] for i in range(w_cnt)]
        i = 4 + 2 * w_cnt
        p_cnt = int(fields[i])
        pointers = [
            (
                fields[i + 1 + 4 * k],
                fields[i + 2 + 4 * k] + fields[i + 3 + 4 * k],
                fields[i + 4 + 4 * k],
            )
            for k in range(p_cnt)
        ]
        synsets[offset + pos] = ([w.split("(")[0] for w in words], pointers)
    return synsets


def parse_index(wordnet: Path, pos: str) -> dict[str, tuple[list[str], int]]:
    """lemma -> (its synsets, commonest sense first; how many of them were
    seen in WordNet's sense-tagged corpus)."""
    senses = {}
    for line in (wordnet / f"index.{POS[pos]}").read_text(encoding="latin-1").splitlines():
        if line.startswith(" "):
            continue
        fields = line.split()
        lemma, synset_cnt, p_cnt = fields[0], int(fields[2]), int(fields[3])
        tagged = int(fields[5 + p_cnt])
        offsets = fields[6 + p_cnt :]
        senses[lemma] = ([o + pos for o in offsets[:synset_cnt]], tagged)
    return senses


def key(word: str) -> str | None:
    """A WordNet word as the normaliser's single token, or None (phrases, names with digits)."""
    word = word.lower()
    if not word.isascii() or not word.isalpha() or len(word) < 2 or word in STOPWORDS:
        return None
    return stem(word)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"))
    args = parser.parse_args()
    from wordfreq import top_n_list, zipf_frequency

    common = top_n_list("en", ZIPF_WORDS)
    zipf: dict[str, int] = {}
    for word in common:
        k = key(word)
        if k:
            zipf[k] = max(zipf.get(k, 0), round(10 * zipf_frequency(word, "en")))

    def frequent(k: str) -> bool:
        return zipf.get(k, 0) >= 10 * MIN_ZIPF

    synsets: dict[str, tuple[list[str], list[tuple[str, str, str]]]] = {}
    index: dict[str, list[str]] = defaultdict(list)
    by_pos = {pos: parse_index(args.wordnet, pos) for pos in POS}
    for pos in POS:
        synsets.update(parse_data(args.wordnet, pos))
    for lemma in sorted({lemma for senses in by_pos.values() for lemma in senses}):
        entries = [by_pos[pos][lemma] for pos in POS if lemma in by_pos[pos]]
        # Senses seen in the tagged corpus, up to SENSES per part of speech; a
        # part of speech never seen there ("found" as a noun) is left out,
        # unless no sense of the word was seen at all.
        if any(tagged for _, tagged in entries):
            entries = [(offsets[: min(SENSES, tagged)], tagged) for offsets, tagged in entries]
        for offsets, _ in entries:
            index[lemma] += offsets[:SENSES]
    # adjective satellites are stored as "s" synsets in data.adj
    synsets.update({o[:-1] + "s": v for o, v in synsets.items() if o.endswith("a")})

    def pointer_target(digits: str, pos: str) -> str:
        target = digits + ("a" if pos == "s" else pos)
        return target if target in synsets else digits + "s"

    depth: dict[str, int] = {}

    def depth_of(offset: str, seen: frozenset[str] = frozenset()) -> int:
        if offset not in depth:
            ups = [
                pointer_target(t[:-1], t[-1]) for s, t, _ in synsets[offset][1] if s in ("@", "@i")
            ]
            ups = [u for u in ups if u in synsets and u not in seen]
            depth[offset] = 1 + min((depth_of(u, seen | {offset}) for u in ups), default=-1)
        return depth[offset]

    def pointers(offset: str, symbols: tuple[str, ...]) -> list[tuple[str, str]]:
        """(target synset, source/target word numbers) for the pointers with these symbols."""
        return [
            (pointer_target(t[:-1], t[-1]), st)
            for s, t, st in synsets[offset][1]
            if s in symbols and pointer_target(t[:-1], t[-1]) in synsets
        ]

    def words_of(offset: str) -> list[str]:
        return [k for w in synsets[offset][0] if (k := key(w))]

    related: dict[str, tuple[dict[str, None], dict[str, None], dict[str, None]]] = {}
    for lemma, senses in index.items():
        k = key(lemma)
        if not k or not frequent(k):
            continue
        same, broader, narrower = related.setdefault(k, ({}, {}, {}))
        for offset in senses:
            words, _ = synsets[offset]
            position = next((i for i, w in enumerate(words) if w.lower() == lemma), 0)
            for w in words_of(offset):
                same[w] = None
            for target, st in pointers(offset, ("&", "+", "\\", "^")):
                source, dest = int(st[:2], 16), int(st[2:], 16)
                if source and source - 1 != position:
                    continue  # a lexical pointer from another word of the synset
                targets = words_of(target) if not dest else [key(synsets[target][0][dest - 1])]
                for w in targets:
                    if w:
                        same[w] = None
            level = [offset]
            for _ in range(2):
                level = [t for o in level for t, _ in pointers(o, ("@", "@i"))]
                for up in level:
                    if depth_of(up) >= MIN_DEPTH:
                        for w in words_of(up):
                            broader[w] = None
            for down, _ in pointers(offset, ("~", "~i")):
                for w in words_of(down):
                    narrower[w] = None

    places: set[str] = set()
    roots = {o for name in PLACE_ROOTS for o in index.get(name, [])[:1]}

    def under_roots(offset: str, steps: int = 0) -> bool:
        if offset in roots:
            return True
        if steps > 12:
            return False
        return any(under_roots(t, steps + 1) for t, _ in pointers(offset, ("@", "@i")))

    # A name that is also an everyday adjective or verb ("Nice", "Reading") is
    # not taken for a place.
    lowercase = {
        key(w)
        for o, (words, _) in synsets.items()
        if not o.endswith("n")
        for w in words
        if w.islower()
    }
    for offset, (words, ptrs) in synsets.items():
        if offset.endswith("n") and any(s == "@i" for s, _, _ in ptrs) and under_roots(offset):
            for w in words:
                if w[:1].isupper() and (k := key(w)) and k not in lowercase:
                    places.add(k)

    lemmas: dict[str, str] = {}
    for pos in POS:
        for line in (args.wordnet / f"{POS[pos]}.exc").read_text(encoding="latin-1").splitlines():
            form, *bases = line.split()
            base = key(bases[0]) if bases else None
            frequent_form = zipf_frequency(form, "en") >= MIN_ZIPF
            if key(form) and base and stem(form) != base and form not in lemmas and frequent_form:
                lemmas[form] = base

    def ranked(words: dict[str, None], k: str, limit: int) -> list[str]:
        kept = [w for w in words if w != k and frequent(w)]
        return sorted(kept, key=lambda w: -zipf[w])[:limit]

    OUT.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Generated by scripts/make_lexicon.py from WordNet 3.0 and wordfreq 3.1; see NOTICE.md"
    ]
    lines.append("@lemma")
    lines += [f"{f} {b}" for f, b in sorted(lemmas.items())]
    lines.append("@zipf")
    by_value: dict[int, list[str]] = defaultdict(list)
    for w, z in zipf.items():
        by_value[z].append(w)
    lines += [f"{z} {' '.join(sorted(ws))}" for z, ws in sorted(by_value.items(), reverse=True)]
    lines.append("@related")
    for k in sorted(related):
        same, broader, narrower = related[k]
        groups = [
            ranked(same, k, MAX_SAME),
            # nearest first: a cat's "feline" and "carnivore" before "animal"
            [w for w in broader if w not in same and w != k and frequent(w)][:MAX_BROADER],
            ranked({w: None for w in narrower if w not in same}, k, MAX_NARROWER),
        ]
        if any(groups):
            lines.append(f"{k}\t{';'.join(' '.join(g) for g in groups)}")
    lines.append("@place")
    lines += [" ".join(sorted(places)[i : i + 20]) for i in range(0, len(places), 20)]
    data = ("\n".join(lines) + "\n").encode()
    OUT.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    print(
        f"{OUT.relative_to(REPO)}: {len(data):,} bytes ({OUT.stat().st_size:,} gzipped); "
        f"{len(lemmas):,} lemmas, {len(zipf):,} frequencies, {len(related):,} related, "
        f"{len(places):,} places"
    )


if __name__ == "__main__":
    main()
