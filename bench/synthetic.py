"""A synthetic guide in the real content schema, for benchmarks: N articles of about 800 words
with headings, cross-links (to articles, sections, pain types, exercises and sources), plus
pain types, exercises, people, sources and the site pages. Deterministic for a given seed."""
from __future__ import annotations

import random
import shutil
from pathlib import Path

WORDS = ("back pain runner muscle spine disc nerve strength core hip glute hamstring stretch "
         "plank bridge walk rest heat doctor physio training mileage pace form stride posture "
         "morning stiffness sitting standing bending twisting weak strong slowly gently daily "
         "week month recover return build load easy hard long short side leg knee foot numb "
         "tingling sharp dull ache sore tight loose warm cool breath hold lift lower raise "
         "bend keep try stop start feel help need check plan note guide care sleep").split()
REVIEW = """review:
  status: awaiting-review
  next_review: 2027-05-25
updated: 2026-11-25
change_note: First version."""
N_PAIN_TYPES, N_EXERCISES, N_SOURCES = 8, 20, 30


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 14))]
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random, n_words: int, link: str = "") -> str:
    sentences, count = [], 0
    while count < n_words:
        sentences.append(_sentence(rng))
        count += len(sentences[-1].split())
    if link:
        sentences.insert(rng.randint(0, len(sentences)), link)
    return " ".join(sentences)


def _page(front: str, body: str) -> str:
    return f"---\n{front}\n{REVIEW}\n---\n{body}\n"


def _article(rng: random.Random, i: int, n: int) -> str:
    other = rng.randrange(n)
    links = [f"See [article {other}](article:article-{other:05d}#part-{rng.randint(1, 4)}).",
             f"Try the [exercise](exercise:exercise-{rng.randrange(N_EXERCISES):02d}).",
             f"Read about [this pain](pain-type:pain-{rng.randrange(N_PAIN_TYPES):02d}).",
             f"The [evidence](source:source-{rng.randrange(N_SOURCES):02d}) says so."]
    sections = [f"## Part {p}\n\n{_paragraph(rng, 190, links[p - 1])}" for p in range(1, 5)]
    front = (f"title: Synthetic article {i}\nsummary: {_sentence(rng)}\n"
             f"sources: [source-{i % N_SOURCES:02d}]\n"
             f"pain_types: [pain-{i % N_PAIN_TYPES:02d}]\n"
             f"exercises: [exercise-{i % N_EXERCISES:02d}]\n"
             f"related: [article-{(i + 1) % n:05d}]\n"
             f"aliases: [{rng.choice(WORDS)} {rng.choice(WORDS)}]")
    return _page(front, "\n\n".join(sections))


def _checker(rng: random.Random) -> str:
    """A symptom checker the size of the real one: 6 emergency, 7 urgent and 4 soon warning
    signs in a chain, then one question with 5 answers."""
    levels = ["emergency"] * 6 + ["urgent"] * 7 + ["soon"] * 4
    questions = [f"  - id: sign-{i:02d}\n    screen: {level}\n    text: {_sentence(rng)}\n"
                 f"    if_yes: {level}\n    if_no: {f'sign-{i + 1:02d}' if i < 16 else 'pain'}\n"
                 for i, level in enumerate(levels)]
    questions.append(f"  - id: pain\n    text: {_sentence(rng)}\n    answers:\n" + "".join(
        f"      - label: {_sentence(rng)}\n        next: self-care\n" for _ in range(5)))
    outcomes = "".join(
        f"  - id: {urgency}\n    urgency: {urgency}\n    title: {_sentence(rng)}\n"
        f"    advice: [{_sentence(rng)}, {_sentence(rng)}]\n"
        f"    links: [article:article-00000, pain-type:pain-00, exercise:exercise-00]\n"
        for urgency in ("emergency", "urgent", "soon", "self-care"))
    return (f"title: Check your symptoms\nsummary: {_sentence(rng)}\nsources: [source-00]\n"
            f"{REVIEW}\nstart: sign-00\nquestions:\n{''.join(questions)}outcomes:\n{outcomes}")


def write_corpus(folder: Path, n_articles: int, seed: int = 1) -> Path:
    """Write a complete, valid content folder with n_articles articles; returns the folder."""
    rng = random.Random(seed)
    folder = Path(folder)
    if folder.exists():
        shutil.rmtree(folder)
    for sub in ("articles", "pain-types", "exercises"):
        (folder / sub).mkdir(parents=True)
    (folder / "site.yaml").write_text(
        "title: Synthetic guide\ndescription: A generated guide for benchmarks.\n"
        "publisher: Benchmark\nwarning_signs_page: article-00000\n")
    for name in ("home", "about"):
        (folder / f"{name}.md").write_text(_page(
            f"title: {name.capitalize()}\nsummary: {_sentence(rng)}\nsources: [source-00]",
            _paragraph(rng, 200, "Start with [the first article](article:article-00000).")))
    for i in range(n_articles):
        (folder / "articles" / f"article-{i:05d}.md").write_text(_article(rng, i, n_articles))
    for i in range(N_PAIN_TYPES):
        front = (f"title: Pain type {i}\nsummary: {_sentence(rng)}\nsources: [source-{i:02d}]\n"
                 f"typical_signs: [{rng.choice(WORDS)} ache]\nwarning_signs: [numb legs]\n"
                 f"exercises: [exercise-{i:02d}, exercise-{i + 1:02d}]")
        body = f"## How it feels\n\n{_paragraph(rng, 200)}"
        (folder / "pain-types" / f"pain-{i:02d}.md").write_text(_page(front, body))
    for i in range(N_EXERCISES):
        front = (f"title: Exercise {i}\nsummary: {_sentence(rng)}\nsources: [source-{i:02d}]\n"
                 f"steps: [Lie down., Lift slowly., Lower slowly.]\ndose: 3 sets of 10.\n"
                 f"progression: Add a set.\ncautions: [Go gently.]\nstop_if: [Pain spreads.]\n"
                 f"evidence_level: some-evidence\nevidence_note: {_sentence(rng)}")
        (folder / "exercises" / f"exercise-{i:02d}.md").write_text(_page(front, ""))
    (folder / "people.yaml").write_text(
        "test-person:\n  name: Test Person\n  credentials: None.\n  roles: [quoted-expert]\n"
        "  about: A made-up person.\n  sources: [source-00]\n")
    (folder / "checker.yaml").write_text(_checker(rng))
    (folder / "sources.yaml").write_text("".join(
        f"source-{i:02d}:\n  title: Source {i}\n  kind: study\n  publisher: Journal\n"
        f"  year: 2020\n  url: https://example.org/{i}\n" for i in range(N_SOURCES)))
    return folder
