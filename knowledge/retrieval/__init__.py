"""Finding the facts that answer a question: normalising text, the index, scoring, grading."""
