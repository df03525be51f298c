"""The content model: one frozen dataclass per kind of thing an editor writes.

This module is the schema. Each field's `doc` is what editors read in docs/content-reference.md,
which is generated from here (`python build.py docs`) and checked by a test, so the two cannot
drift. A field without a default is required. `ref` names the kind a slug must point to.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from typing import Literal, Mapping, Optional

SLUG_PATTERN = r"[a-z0-9]+(-[a-z0-9]+)*"

ReviewStatus = Literal["awaiting-review", "reviewed"]
SourceKind = Literal["guideline", "systematic-review", "study", "article", "web-page"]
Role = Literal["quoted-expert", "source-reviewer", "clinical-reviewer"]
EvidenceLevel = Literal["guideline-supported", "some-evidence", "low-evidence", "expert-opinion"]
# Warning-sign levels, most urgent first (the order of the red flags in EVIDENCE.md).
ScreenLevel = Literal["emergency", "urgent", "soon", "none"]
Urgency = Literal["emergency", "urgent", "soon", "self-care"]


def doc(text: str, *, ref: str | None = None, example=None, **kwargs):
    """Declare a field with its editor documentation (and the kind of slug it refers to)."""
    meta = {"doc": text, "ref": ref, "example": example}
    return field(metadata=meta, **kwargs)


@dataclass(frozen=True, kw_only=True)
class Review:
    """The clinical review record of one page."""

    status: ReviewStatus = doc(
        "`awaiting-review` until a named clinician has checked this page, then `reviewed`.",
        example="awaiting-review")
    next_review: dt.date = doc(
        "When the page is next due for review (YYYY-MM-DD). The build warns once it has passed.",
        example="2027-05-01")
    reviewer: Optional[str] = doc(
        "Slug of the person (in people.yaml, with the role `clinical-reviewer`) who reviewed "
        "this page. Only with status `reviewed`; never name someone who has not reviewed it.",
        ref="person", example="jane-doe", default=None)
    reviewed_on: Optional[dt.date] = doc(
        "The date of that review (YYYY-MM-DD). Only with status `reviewed`.", example="2026-11-01",
        default=None)


@dataclass(frozen=True, kw_only=True)
class PageMeta:
    """Keys every guide page has (articles, pain types, exercises, home and about)."""

    slug: str
    source_path: str
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)
    title: str = doc("The page title, in plain words, e.g. `Plank` or `Muscle-related pain`.")
    summary: str = doc("One or two plain sentences: shown under the title, in lists and in "
                       "search results, and used as the page description.")
    sources: tuple[str, ...] = doc("Slugs of the sources (in sources.yaml) this page relies on. "
                                   "At least one.", ref="source", example=["nhs-back-pain"])
    review: Review = doc("The clinical review record (see Review below).")
    updated: dt.date = doc("When the guidance on this page last changed (YYYY-MM-DD).",
                           example="2026-11-25")
    change_note: str = doc("What changed on that date, in one plain sentence. Shown on the page "
                           "and in the feed of guidance changes.")
    aliases: tuple[str, ...] = doc(
        "Everyday words readers might use for this topic (for search), e.g. `slipped disc`.",
        default=(), example=["sore back"])
    related: tuple[str, ...] = doc("Slugs of articles to suggest at the end of the page.",
                                        default=(), ref="article", example=["warning-signs"])
    body: str = ""
    body_line: int = 1


@dataclass(frozen=True, kw_only=True)
class Article(PageMeta):
    """A guide article: `content/articles/SLUG.md`. Also `content/home.md` and `content/about.md`."""

    pain_types: tuple[str, ...] = doc("Slugs of the pain types this article is about.",
                                           default=(), ref="pain-type", example=["disc-related"])
    exercises: tuple[str, ...] = doc("Slugs of exercises this article recommends.",
                                          default=(), ref="exercise", example=["plank"])
    experts: tuple[str, ...] = doc("Slugs of people quoted on this page (in people.yaml).",
                                        default=(), ref="person", example=["jordan-metzl"])


@dataclass(frozen=True, kw_only=True)
class PainType(PageMeta):
    """A kind of back pain: `content/pain-types/SLUG.md`. The body says how it feels, who it
    affects, what helps and when to see a doctor."""

    typical_signs: tuple[str, ...] = doc("Short phrases: how this pain tends to feel.",
                                         example=["Pain on one side of the spine"])
    warning_signs: tuple[str, ...] = doc("Signs that mean this is not a self-care problem. "
                                         "Shown in a 'get help' box.",
                                         example=["Pain spreading below the knee"])
    exercises: tuple[str, ...] = doc("Slugs of exercises that may help.", default=(),
                                          ref="exercise", example=["bird-dog"])
    experts: tuple[str, ...] = doc("Slugs of people quoted on this page.", default=(),
                                        ref="person", example=["john-vasudevan"])


@dataclass(frozen=True, kw_only=True)
class Exercise(PageMeta):
    """One exercise: `content/exercises/SLUG.md`. The body (optional) adds detail."""

    steps: tuple[str, ...] = doc("The steps, in order; shown as a numbered list.",
                                 example=["Lie face down."])
    dose: str = doc("How much and how often, e.g. `3 holds of 20 seconds, 3 days a week`.")
    progression: str = doc("How to make it harder (or easier) over time.")
    cautions: tuple[str, ...] = doc("Who should take care, and how.",
                                    example=["Keep your hips level."])
    stop_if: tuple[str, ...] = doc("When to stop and get advice.",
                                   example=["Pain spreads down your leg."])
    evidence_level: EvidenceLevel = doc(
        "How strong the evidence is: `guideline-supported`, `some-evidence`, `low-evidence` "
        "or `expert-opinion`.")
    evidence_note: str = doc("One or two sentences on what the evidence says, with who says it.")
    experts: tuple[str, ...] = doc("Slugs of people quoted on this page.", default=(),
                                        ref="person", example=["jordan-metzl"])


@dataclass(frozen=True, kw_only=True)
class Person:
    """Someone quoted by, or reviewing, the guide: an entry in `content/people.yaml`."""

    slug: str
    source_path: str
    line: int
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)
    name: str = doc("Full name with title as they use it, e.g. `Jordan Metzl, M.D.`.")
    credentials: str = doc("Qualifications and post, exactly as a cited source states them.")
    roles: tuple[Role, ...] = doc(
        "One or more of `quoted-expert` (quoted in a cited source), `source-reviewer` (reviewed "
        "a cited source, not this guide) and `clinical-reviewer` (signs off this guide's pages).",
        example=["quoted-expert"])
    about: str = doc("A sentence or two, in the guide's own words, on who they are here.")
    sources: tuple[str, ...] = doc("Slugs of the sources that state these credentials.",
                                   ref="source", example=["runners-world-2025"])
    affiliation: str = doc("Where they work, as the source states it.", default="")


@dataclass(frozen=True, kw_only=True)
class Source:
    """A citation: an entry in `content/sources.yaml`."""

    slug: str
    source_path: str
    line: int
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)
    title: str = doc("The title, exactly as published.")
    kind: SourceKind = doc("`guideline`, `systematic-review`, `study`, `article` or `web-page`.")
    publisher: str = doc("The publisher, or the journal with volume and pages.")
    year: int = doc("Year of publication (or of the version cited).", example=2020)
    authors: str = doc("Authors, e.g. `Maselli F, et al.`.", default="")
    url: str = doc("A web address (https://...). A source needs a url, a doi, or both.",
                        default="")
    doi: str = doc("The DOI, e.g. `10.1186/s12891-020-03357-4`.", default="")
    note: str = doc("What this source is used for, or a caveat, in one sentence.",
                         default="")


@dataclass(frozen=True, kw_only=True)
class SiteConfig:
    """Site-wide settings: `content/site.yaml`."""

    source_path: str
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)
    title: str = doc("The guide's name.")
    description: str = doc("One sentence describing the guide (home page description).")
    publisher: str = doc("Who publishes the guide (named publisher, shown on every page).")
    language: str = doc("The page language code.", default="en")
    emergency_number: str = doc("The number to call in an emergency, e.g. `999`.",
                                     default="999")
    urgent_advice: str = doc("Where to get urgent advice, in plain words.",
                                  default="call 111 or your doctor")
    warning_signs_page: str = doc("Slug of the article listing the warning signs; every page "
                                  "links to it under 'Get help now'.", ref="article",
                                  example="warning-signs")
    conflicts_of_interest: str = doc("The publisher's declared conflicts of interest.",
                                          default="None declared.")


@dataclass(frozen=True, kw_only=True)
class Answer:
    """One answer to a question that is not a warning sign."""

    label: str = doc("The answer as the reader sees it, in plain words.",
                     example="On one side of my lower back")
    next: str = doc("The `id` of the question or outcome this answer leads to.",
                    example="self-care-muscle")


@dataclass(frozen=True, kw_only=True)
class Question:
    """One question of the symptom checker, asked on a page of its own."""

    id: str = doc("A short name for the question: lower-case words joined by hyphens. Answers "
                  "point to it, and it names the question's page.", example="saddle-numbness")
    text: str = doc("The question, in plain words.",
                    example="Is the skin around your genitals or bottom numb or tingling?")
    help: str = doc("More words under the question, e.g. what a medical word means.",
                    default="")
    screen: ScreenLevel = doc(
        "For a warning-sign question, how urgent the sign is: `emergency`, `urgent` or `soon`. "
        "It is then answered Yes, No or Not sure, and needs `if_yes` and `if_no` instead of "
        "`answers`. Ask them from most to least urgent, before any other question. `none` "
        "(the default) for other questions.", default="none")
    if_yes: str = doc(
        "Warning-sign questions: the `id` of the outcome for Yes, and for Not sure (the safe "
        "choice). It must be at least as urgent as the sign.", default="",
        example="emergency-nerves")
    if_no: str = doc("Warning-sign questions: the `id` of the question (or outcome) for No.",
                     default="", example="bladder-bowel")
    answers: tuple[Answer, ...] = doc(
        "Other questions: two or more answers, each with `label` and `next`.", default=(),
        example=[{"label": "On one side of my lower back", "next": "self-care-muscle"}])


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """Where the symptom checker ends, saying how urgent it is, what to do and what to read
    next."""

    id: str = doc("A short name for the outcome: lower-case words joined by hyphens.",
                  example="emergency-nerves")
    urgency: Urgency = doc("`emergency` (call the emergency number now), `urgent` (get help "
                           "today), `soon` (see a GP or physio within days or weeks) or "
                           "`self-care`.")
    title: str = doc("The headline: what to do, e.g. `Call 999 or go to A&E now`.")
    advice: tuple[str, ...] = doc("What to do, one short step per item, most important first.",
                                  example=["Do not wait to see if it gets better."])
    links: tuple[str, ...] = doc(
        "Guide pages to read next, as `kind:slug` with kind `article`, `pain-type` or "
        "`exercise`.", example=["article:warning-signs", "exercise:bird-dog"])


@dataclass(frozen=True, kw_only=True)
class Checker(PageMeta):
    """The symptom checker, a decision tree of questions and outcomes with the page keys of
    an article: `content/checker.yaml`. The build checks that it is safe: every question and
    outcome can be reached, every path ends at an outcome, warning signs come first, most
    urgent first, and a Yes to one ends at an outcome at least as urgent."""

    start: str = doc("The `id` of the first question.", example="saddle-numbness")
    questions: tuple[Question, ...] = doc(
        "The questions, warning signs first: every `emergency` sign, then `urgent`, then "
        "`soon`, then the other questions.")
    outcomes: tuple[Outcome, ...] = doc("Where the answers lead.")


@dataclass(frozen=True, kw_only=True)
class SearchSettings:
    """How the guide's search reads what people type: `content/search.yaml` (optional)."""

    source_path: str = ""
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)
    synonyms: Mapping[str, tuple[str, ...]] = doc(
        "Everyday words readers type, each with the words the guide uses for the same thing. "
        "A search for the word also finds pages with those words, e.g. `disk: [disc]`, "
        "`sciatica: [disc, nerve]`. One word on each side; for a phrase readers use (`slipped "
        "disc`), add it to the `aliases:` of the page instead.",
        default_factory=dict, example={"disk": ["disc"]})


@dataclass(frozen=True, kw_only=True)
class Content:
    """Everything in content/, validated. Mappings are keyed by slug, in slug order."""

    site: SiteConfig
    home: Article
    about: Article
    articles: Mapping[str, Article]
    pain_types: Mapping[str, PainType]
    exercises: Mapping[str, Exercise]
    people: Mapping[str, Person]
    sources: Mapping[str, Source]
    checker: Checker
    search: SearchSettings = field(default_factory=SearchSettings)
    # (kind, slug) of entries that exist but failed validation: already reported, so
    # references to them are not reported again.
    broken: frozenset[tuple[str, str]] = frozenset()


ENTRY_FIELDS = ("slug", "source_path", "line", "lines", "body", "body_line")


def is_required(f: dataclasses.Field) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


@cache
def editor_fields(cls) -> tuple[dataclasses.Field, ...]:
    """The fields an editor writes for `cls`, in declaration order (worked out once per class:
    the build asks for every entity)."""
    return tuple(f for f in dataclasses.fields(cls) if f.name not in ENTRY_FIELDS)
