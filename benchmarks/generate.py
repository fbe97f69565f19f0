"""Synthetic fact bases and questions, the same for the same seed.

Facts are short English claims with names and numbers ("Zentrix had 12
million users in Osaka in March 2014."), made from templates, made-up company
and product names, people's names and real places. The article's curated facts
are mixed in, so its questions still have answers at every size. Questions are
paraphrases of facts, then perturbed: words dropped, order swapped, typos;
plus the repo's own article questions and out-of-scope questions.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from knowledge.curation.build import load_curated
from knowledge.models import Fact

REPO = Path(__file__).resolve().parent.parent
ARTICLE_QUESTIONS = REPO / "tests" / "data" / "article_questions.jsonl"


def _words(text: str) -> list[str]:
    return text.split()


FIRST_NAMES = _words("""
James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard
Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Lisa Matthew Nancy Anthony Betty Mark
Sandra Donald Ashley Steven Kimberly Andrew Emily Paul Donna Joshua Michelle Kenneth Carol Kevin
Amanda Brian Melissa George Deborah Timothy Stephanie Ronald Rebecca Jason Sharon Edward Laura
Jeffrey Cynthia Ryan Amy Jacob Kathleen Gary Angela Nicholas Shirley Eric Brenda Jonathan Emma
Hiroshi Yuki Takeshi Akiko Kenji Naomi Satoshi Haruka Daisuke Emi Priya Arjun Ananya Rohan
Chen Wei Li Na Jun Mei Olga Ivan Sofia Mateo Lucia Diego Camila Ahmed Fatima Omar Leila Kwame
Amara Tunde Zanele Lars Ingrid Sven Astrid Pierre Camille Hans Greta Marco Giulia Pablo Elena
""")
LAST_NAMES = _words("""
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez
Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark
Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams
Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Tanaka Suzuki Takahashi Watanabe Ito
Yamamoto Nakamura Kobayashi Kato Yoshida Yamada Sasaki Yamaguchi Matsumoto Inoue Kimura Hayashi
Shimizu Mori Abe Ikeda Hashimoto Ishikawa Ogawa Okada Goto Patel Sharma Singh Gupta Kumar Mehta
Wang Zhang Liu Chen Yang Huang Zhao Wu Zhou Petrov Ivanova Sokolov Novak Kowalski Nowak Schmidt
Schneider Fischer Weber Meyer Wagner Becker Rossi Russo Ferrari Esposito Bianchi Dubois Moreau
Laurent Lefebvre Silva Santos Oliveira Pereira Costa Okafor Mensah Diallo Kamau Haddad Nasser
""")
PLACES = _words("""
Tokyo Osaka Kyoto Nagoya Sapporo Fukuoka Kobe Sendai Hiroshima Yokohama Seoul Busan Beijing Shanghai
Shenzhen Taipei Singapore Jakarta Manila Bangkok Hanoi Mumbai Delhi Bangalore Karachi Dhaka Dubai
Istanbul Cairo Lagos Nairobi Johannesburg Accra Casablanca London Paris Berlin Madrid Rome Lisbon
Amsterdam Brussels Vienna Prague Warsaw Stockholm Oslo Helsinki Copenhagen Dublin Zurich Athens
Moscow Kyiv Toronto Vancouver Montreal Chicago Boston Seattle Denver Austin Houston Dallas Miami
Atlanta Phoenix Portland Mexico Lima Bogota Santiago Quito Caracas Sydney Melbourne Brisbane Perth
Auckland Wellington Japan Korea China India Brazil Kenya Nigeria Egypt France Germany Spain Italy
Norway Sweden Finland Canada Chile Peru Argentina Colombia Australia Indonesia Vietnam Thailand
Texas California Ontario Bavaria Hokkaido Okinawa Kyushu Shikoku Catalonia Scotland Wales Quebec
""")
SYLLABLES = _words("""
zen trix mor avi quel lon bright wave tal nex ora vex lum ica sol aro fin tek nov ast pix el
zor bal kin dra mex ilo ven tor cal ista bri oni gal ux pol aris dyn amo cor vid ster lix
xan thu ria ber gen omi kai ros neb ula fer mit sky lar quin tal opa rix hal cyon dex ter
""")
SUFFIXES = ["", "", "", " Labs", " Group", " Systems", " Works", " Media", " Holdings", " Games"]
PRODUCTS = _words("""
Messenger Wallet Maps Music Video Photos Drive Notes Mail Chat Pay Shop Travel News Books Radio
Cloud Fitness Health Study Market Games Stream Camera Calendar Translate Weather Scanner Locker
""")
INDUSTRIES = _words("""
smartphone streaming e-commerce search advertising gaming ride-hailing food-delivery payments
cloud social messaging travel fashion banking insurance logistics education
""")
AWARDS = [
    "Turing Award",
    "Pulitzer Prize",
    "Nikkei Award",
    "Golden Lion",
    "Webby Award",
    "Grand Prix",
]
EVENTS = [
    "Lantern Festival",
    "Tech Expo",
    "Film Festival",
    "Game Show",
    "Book Fair",
    "Jazz Festival",
]
EXCHANGES = ["Tokyo Stock Exchange", "Nasdaq", "New York Stock Exchange", "London Stock Exchange"]
ISSUES = ["privacy breaches", "misleading ads", "price fixing", "data leaks", "unpaid taxes"]
UNIVERSITIES = ["Keio University", "Kyoto University", "MIT", "Stanford", "Oxford", "Waseda"]
MONTHS = _words(
    """January February March April May June July August September October November December"""
)


@dataclass(frozen=True)
class Template:
    text: str
    questions: tuple[str, ...]  # stored with the fact
    asked: tuple[str, ...]  # how people ask it: paraphrases, never stored
    keywords: tuple[str, ...]


# Slots: {c} {c2} company, {p} {p2} place, {who} person, {prod} product,
# {n} {k} numbers, {m} month, {y} year, {ind} industry, {aw} award, {ev} event,
# {ex} exchange, {iss} issue, {uni} university.
TEMPLATES = (
    Template(
        "{c} had {n} million users in {p} in {m} {y}.",
        ("How many users did {c} have in {p}?",),
        (
            "{c} user count in {p}",
            "how many people used {c} in {p} in {y}",
            "what was the user base of {c} in {p}",
        ),
        ("{c}", "{p}"),
    ),
    Template(
        "{c} was founded by {who} in {p} in {y}.",
        ("Who founded {c}?", "When was {c} founded?"),
        ("who started {c}", "{c} founder", "in what year did {who} start {c}"),
        ("{c}", "{who}"),
    ),
    Template(
        "{c} acquired {c2} for {n} million dollars in {m} {y}.",
        ("Who bought {c2}?", "How much did {c} pay for {c2}?"),
        ("which company took over {c2}", "price {c} paid to acquire {c2}", "when did {c} buy {c2}"),
        ("{c}", "{c2}"),
    ),
    Template(
        "{who} became chief executive of {c} in {m} {y}.",
        ("Who is the CEO of {c}?",),
        ("who leads {c}", "when did {who} take over as ceo of {c}", "{c} chief executive"),
        ("{c}", "{who}", "ceo"),
    ),
    Template(
        "The {c} app {prod} was downloaded {n} million times in {y}.",
        ("How many times was {c} {prod} downloaded?",),
        ("{c} {prod} downloads in {y}", "how popular is the {prod} app by {c}"),
        ("{c}", "{prod}"),
    ),
    Template(
        "{c} opened {k} stores in {p} during {y}.",
        ("How many stores did {c} open in {p}?",),
        ("number of {c} shops opened in {p}", "{c} new stores {p} {y}"),
        ("{c}", "{p}"),
    ),
    Template(
        "{c} employed {n},{k}00 people at the end of {y}.",
        ("How many employees does {c} have?",),
        ("{c} headcount", "how many staff worked at {c} in {y}"),
        ("{c}", "employees"),
    ),
    Template(
        "{c} launched {prod} in {p} in {m} {y}.",
        ("When did {c} {prod} launch in {p}?",),
        ("{c} {prod} release date in {p}", "when did {prod} from {c} arrive in {p}"),
        ("{c}", "{prod}", "{p}"),
    ),
    Template(
        "{c} partnered with {c2} to sell {prod} in {p}.",
        ("Who did {c} partner with in {p}?",),
        ("{c} partner for {prod} in {p}", "which firm teamed up with {c} in {p}"),
        ("{c}", "{c2}"),
    ),
    Template(
        "{c} revenue rose {k} percent to {n} billion yen in {y}.",
        ("How fast did {c} revenue grow in {y}?",),
        ("{c} sales growth {y}", "by how much did {c} revenue increase in {y}"),
        ("{c}", "revenue"),
    ),
    Template(
        "{c} moved its headquarters from {p} to {p2} in {y}.",
        ("Where is {c} based?",),
        ("where are the {c} headquarters", "when did {c} move to {p2}"),
        ("{c}", "{p2}", "headquarters"),
    ),
    Template(
        "{who} won the {aw} in {y} for work at {c}.",
        ("What award did {who} win?",),
        ("which prize did {who} get in {y}", "{who} {aw}"),
        ("{who}", "{aw}"),
    ),
    Template(
        "The {p} {ev} drew {n},{k}00 visitors in {y}.",
        ("How many people attended the {p} {ev}?",),
        ("{p} {ev} attendance in {y}", "how many visitors came to the {ev} in {p}"),
        ("{p}", "{ev}"),
    ),
    Template(
        "{c} held a {k} percent share of the {ind} market in {p} in {y}.",
        ("What market share did {c} have in {p}?",),
        ("{c} share of {ind} in {p}", "how big is {c} in the {p} {ind} market"),
        ("{c}", "{ind}", "{p}"),
    ),
    Template(
        "{c} {prod} reached {n} million paying subscribers in {m} {y}.",
        ("How many subscribers does {c} {prod} have?",),
        ("{c} {prod} subscriber numbers", "how many people pay for {prod} by {c}"),
        ("{c}", "{prod}"),
    ),
    Template(
        "{c} shut down its {prod} service in {p} in {m} {y} after {k} years.",
        ("When did {c} close {prod} in {p}?",),
        ("why did {c} end {prod} in {p}", "{c} {prod} shutdown {p}"),
        ("{c}", "{prod}"),
    ),
    Template(
        "Regulators in {p} fined {c} {n} million dollars in {y} over {iss}.",
        ("Why was {c} fined in {p}?",),
        ("{c} fine in {p}", "how much was {c} fined for {iss}"),
        ("{c}", "{p}", "fine"),
    ),
    Template(
        "{c} listed its shares on the {ex} in {m} {y}, raising {n} million dollars.",
        ("When did {c} go public?",),
        ("{c} ipo on the {ex}", "how much did {c} raise in its listing"),
        ("{c}", "{ex}"),
    ),
    Template(
        "{who} was born in {p} in {y} and studied at {uni}.",
        ("Where was {who} born?",),
        ("{who} birthplace", "where did {who} go to university"),
        ("{who}", "{p}"),
    ),
)

OUT_OF_SCOPE = (
    "What is the capital of France?",
    "How far away is the moon?",
    "who wrote hamlet",
    "What is the boiling point of water at sea level?",
    "how do I bake sourdough bread",
    "When did the Roman Empire fall?",
    "what's the weather like tomorrow",
    "Who painted the Mona Lisa?",
    "How many legs does a spider have?",
    "what is the speed of light in a vacuum",
    "recommend me a good anime",
    "how tall is mount fuji",
    "Who won the 1998 World Cup?",
    "What language is spoken in Brazil?",
    "how do vaccines work",
    "is pluto a planet",
    "How many bones are in the human body?",
    "what does DNA stand for",
    "who invented the telephone",
    "how old is the universe",
)


@dataclass(frozen=True)
class Question:
    text: str
    kind: str  # paraphrase, dropped, swapped, typo, article, oos
    fact_id: str | None  # the fact it was made from (synthetic kinds)


class Generator:
    """Deterministic facts and questions for one seed."""

    def __init__(self, seed: int = 20260101) -> None:
        self.seed = seed

    def _names(self, rng: random.Random, count: int, used: set[str]) -> list[str]:
        names: list[str] = []
        while len(names) < count:
            parts = rng.choices(SYLLABLES, k=rng.choice((2, 2, 3)))
            name = "".join(parts).capitalize() + rng.choice(SUFFIXES)
            key = name.casefold()
            if key not in used:
                used.add(key)
                names.append(name)
        return names

    def facts(self, size: int) -> list[Fact]:
        """`size` facts: the article's curated facts, then synthetic ones."""
        article = list(load_curated().facts)
        return article + list(self.synthetic(max(0, size - len(article))))

    def synthetic(self, count: int) -> Iterator[Fact]:
        rng = random.Random(self.seed)
        used = {w.casefold() for w in FIRST_NAMES + LAST_NAMES + PLACES}
        companies = self._names(rng, max(40, count // 6), used)
        products = self._names(rng, max(20, count // 40), used)
        for i in range(count):
            template = TEMPLATES[rng.randrange(len(TEMPLATES))]
            slots = self._slots(rng, companies, products)
            fill = _Filler(slots)
            yield Fact(
                id=f"syn-{i:07d}",
                text=fill(template.text),
                source_id=None,
                paragraph=None,
                quote="",
                questions=tuple(fill(q) for q in template.questions),
                keywords=tuple(fill(k) for k in template.keywords),
                origin="curated",
                citation_note="Synthetic benchmark fact",
            )

    def _slots(self, rng: random.Random, companies: list[str], products: list[str]) -> dict:
        c, c2 = rng.sample(companies, 2)
        p, p2 = rng.sample(PLACES, 2)
        return {
            "c": c,
            "c2": c2,
            "p": p,
            "p2": p2,
            "who": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            "prod": f"{rng.choice(products)} {rng.choice(PRODUCTS)}",
            "n": str(rng.randint(2, 999)),
            "k": str(rng.randint(2, 95)),
            "m": rng.choice(MONTHS),
            "y": str(rng.randint(1985, 2025)),
            "ind": rng.choice(INDUSTRIES),
            "aw": rng.choice(AWARDS),
            "ev": rng.choice(EVENTS),
            "ex": rng.choice(EXCHANGES),
            "iss": rng.choice(ISSUES),
            "uni": rng.choice(UNIVERSITIES),
        }

    def questions(self, size: int, count: int) -> list[Question]:
        """`count` questions for a base of `size` facts: a tenth out of scope,
        the article's questions (up to a quarter), the rest made from random
        synthetic facts (regenerated, so the facts need not be in memory)."""
        rng = random.Random(self.seed + 1)
        article = [
            Question(json.loads(line)["q"], "article", None)
            for line in ARTICLE_QUESTIONS.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        oos = [Question(q, "oos", None) for q in OUT_OF_SCOPE]
        n_oos = max(2, count // 10)
        synthetic_count = max(0, size - len(load_curated().facts))
        n_article = min(len(article), count // 4) if synthetic_count else count - n_oos
        n_article = min(n_article, len(article))
        chosen = rng.sample(article, n_article) + (oos * (n_oos // len(oos) + 1))[:n_oos]
        remaining = count - len(chosen)
        if synthetic_count and remaining > 0:
            wanted = sorted(rng.sample(range(synthetic_count), min(remaining, synthetic_count)))
            chosen += self._from_facts(rng, synthetic_count, wanted)
        elif remaining > 0:  # the article alone: perturb its questions
            for q in rng.sample(article, min(remaining, len(article))):
                kind = rng.choice(("dropped", "swapped", "typo"))
                chosen.append(Question(_perturb(rng, q.text, kind), kind, None))
        rng.shuffle(chosen)
        return chosen

    def _from_facts(self, rng: random.Random, total: int, wanted: list[int]) -> list[Question]:
        """Regenerate the synthetic facts and their slots; ask about the wanted ones."""
        found: list[Question] = []
        want = set(wanted)
        slot_rng = random.Random(self.seed)
        used = {w.casefold() for w in FIRST_NAMES + LAST_NAMES + PLACES}
        companies = self._names(slot_rng, max(40, total // 6), used)
        products = self._names(slot_rng, max(20, total // 40), used)
        for i in range(max(want) + 1):
            template = TEMPLATES[slot_rng.randrange(len(TEMPLATES))]
            slots = self._slots(slot_rng, companies, products)
            if i not in want:
                continue
            asked = _Filler(slots)(rng.choice(template.asked))
            kind = rng.choice(("paraphrase", "paraphrase", "dropped", "swapped", "typo", "typo"))
            text = asked if kind == "paraphrase" else _perturb(rng, asked, kind)
            found.append(Question(text, kind, f"syn-{i:07d}"))
        return found


class _Filler:
    def __init__(self, slots: dict[str, str]) -> None:
        self.slots = slots

    def __call__(self, template: str) -> str:
        return template.format(**self.slots)


def _perturb(rng: random.Random, text: str, kind: str) -> str:
    words = text.rstrip("?").split()
    if kind == "dropped" and len(words) > 2:
        del words[rng.randrange(len(words))]
    elif kind == "swapped":
        rng.shuffle(words)
    elif kind == "typo":
        long_words = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
        for i in rng.sample(long_words, min(len(long_words), rng.choice((1, 1, 2)))):
            words[i] = _typo(rng, words[i])
    return " ".join(words)


def _typo(rng: random.Random, word: str) -> str:
    """One edit: a letter dropped, doubled, swapped with the next, or replaced."""
    i = rng.randrange(1, len(word) - 1)
    edit = rng.randrange(4)
    if edit == 0:
        return word[:i] + word[i + 1 :]
    if edit == 1:
        return word[:i] + word[i] + word[i:]
    if edit == 2:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + rng.choice("aeioustrnl") + word[i + 1 :]
