"""schema.org JSON-LD for guide pages: what a search engine may state about each page.

A guide page is a `MedicalWebPage` for patients, citing its sources. It claims a clinical
review (`lastReviewed`, `reviewedBy`) only when the content records a real one. Pure: the page
entity and site settings in, a JSON string safe to place inside a <script> element out.
"""
from __future__ import annotations

import json

from . import schema

# What each kind of page is about, as a schema.org type.
_TOPIC_TYPES = {schema.PainType: "MedicalCondition", schema.Exercise: "PhysicalActivity"}


def _citation(source: schema.Source) -> dict:
    work = {"@type": "CreativeWork", "name": source.title, "publisher": source.publisher,
            "datePublished": str(source.year)}
    if source.authors:
        work["author"] = source.authors
    if source.url or source.doi:
        work["url"] = source.url or f"https://doi.org/{source.doi}"
    if source.doi:
        work["identifier"] = {"@type": "PropertyValue", "propertyID": "DOI",
                              "value": source.doi}
    return work


def _topic(entity: schema.PageMeta) -> dict:
    topic = {"@type": _TOPIC_TYPES.get(type(entity), "Thing"), "name": entity.title}
    if entity.aliases:
        topic["alternateName"] = list(entity.aliases)
    return topic


def medical_web_page(entity: schema.PageMeta, site: schema.SiteConfig,
                     citations: list[schema.Source], reviewer: schema.Person | None,
                     url: str | None, reviewer_url: str | None) -> dict:
    """The JSON-LD object of one guide page. `url`s are absolute, or None without a base URL."""
    patient = {"@type": "Patient"}
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": entity.title,
        "description": entity.summary,
        "inLanguage": site.language,
        "about": _topic(entity),
        "audience": patient,
        "medicalAudience": patient,
        "dateModified": entity.updated.isoformat(),
        "publisher": {"@type": "Organization", "name": site.publisher},
        "isPartOf": {"@type": "WebSite", "name": site.title},
        "citation": [_citation(source) for source in citations],
    }
    if url:
        data["url"] = url
    review = entity.review
    if review.status == "reviewed" and reviewer is not None:
        data["lastReviewed"] = review.reviewed_on.isoformat()
        data["reviewedBy"] = {"@type": "Person", "name": reviewer.name,
                              **({"url": reviewer_url} if reviewer_url else {})}
    return data


def script_json(data: dict) -> str:
    """JSON that cannot end its <script> element early or be read as HTML."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
