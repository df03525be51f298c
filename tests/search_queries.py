"""What readers type, and the page of the real guide each query must find first: used by
test_search_browser.py, and by bench/search_bench.py to compare with Pagefind."""

# (what it tests, query, filters, where the first result must link). A link without '#' is
# checked up to the page; with one, to the section.
QUERIES = [
    ("exact word", "plank", {}, "exercises/plank.html"),
    ("exact word, in one section", "ibuprofen", {},
     "articles/treatment-and-self-care.html#painkillers"),
    ("exact words", "cauda equina", {},
     "articles/warning-signs.html#what-is-cauda-equina-syndrome"),
    ("prefix while typing", "hamst", {}, "exercises/hamstring-stretch.html"),
    ("prefix while typing", "spondyl", {}, "pain-types/inflammatory-back-pain.html"),
    ("prefix of the second word", "foam rol", {}, "exercises/foam-rolling.html"),
    ("typo: a letter missing", "sciatca", {}, "pain-types/disc-related.html"),
    ("typo: a letter missing", "strech", {}, "exercises/hamstring-stretch.html"),
    ("typo: two letters swapped", "plnak", {}, "exercises/plank.html"),
    ("typo: two letters swapped", "mountian", {}, "exercises/mountain-climber.html"),
    ("a typo in every word", "hamstirng strech", {}, "exercises/hamstring-stretch.html"),
    ("typo: two edits", "spondilytis", {}, "pain-types/inflammatory-back-pain.html"),
    ("typo: two edits", "sacroilliak", {}, "pain-types/sacroiliac-joint.html"),
    ("word form", "stretches", {}, "exercises/hamstring-stretch.html"),
    ("synonym", "tylenol", {}, "articles/treatment-and-self-care.html#painkillers"),
    ("synonym", "911", {}, "articles/warning-signs.html#emergency-call-999-now"),
    ("lay alias", "slipped disk", {}, "pain-types/disc-related.html"),
    ("lay phrase", "pain down my leg", {}, "pain-types/disc-related.html#typical-signs"),
    ("lay phrase", "can't pee", {}, "articles/warning-signs.html"),
    ("lay phrase", "pulled muscle", {}, "pain-types/muscle-related.html"),
    ("lay question", "is running bad for my back", {},
     "articles/causes-in-runners.html#is-running-bad-for-your-back"),
    ("no filter", "stiff morning", {}, "pain-types/inflammatory-back-pain.html#typical-signs"),
    ("filter by kind", "stiff morning", {"kind": "article"},
     "articles/warning-signs.html#soon-see-a-gp-or-physio"),
    ("filter by pain type", "stiff morning", {"pain": "bone-related"},
     "pain-types/bone-related.html#typical-signs"),
    ("filter by kind", "bridge", {"kind": "exercise"}, "exercises/glute-bridge.html"),
]


def finds(link: str, expected: str) -> bool:
    """Whether a result's link (relative to the site root) is the expected page, or section."""
    return (link if "#" in expected else link.split("#")[0]) == expected
