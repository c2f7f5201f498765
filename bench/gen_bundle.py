#!/usr/bin/env python3
"""Writes a benchmark bundle: N published articles of about 10 blocks each, plus the feeling
lists, step guides and promos they refer to. Also writes the list of article slugs.

usage: gen_bundle.py BUNDLE.json SLUGS.txt [N]
"""
import json
import random
import sys
from datetime import datetime, timedelta, timezone

random.seed(42)
out_bundle, out_slugs = sys.argv[1], sys.argv[2]
count = int(sys.argv[3]) if len(sys.argv) > 3 else 1000

WORDS = ("attachment anxious avoidant secure partner connection distance trust repair pattern "
         "cycle reassurance boundary feeling space closeness conflict calm listen change").split()


def sentence(n=14):
    words = [random.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def paragraph():
    return " ".join(sentence(random.randint(8, 18)) for _ in range(4))


perspectives = [
    {"key": "anxious", "label": "Anxious partner"},
    {"key": "avoidant", "label": "Avoidant partner"},
    {"key": "both", "label": "Both"},
]
keys = [p["key"] for p in perspectives]
feeling_lists = [
    {"slug": f"feelings-{i}", "title": "What You Might Be Feeling",
     "items": [{"perspective": random.choice(keys), "text": sentence(9)} for _ in range(6)]}
    for i in range(50)
]
step_guides = [
    {"slug": f"steps-{i}", "title": "What To Do",
     "steps": [{"title": sentence(5), "body": paragraph(), "perspective": random.choice(keys + [None])}
               for _ in range(5)]}
    for i in range(50)
]
promos = []
for i in range(20):
    kind = ["affiliate", "book", "quiz", "cta"][i % 4]
    promos.append({
        "slug": f"promo-{i}", "kind": kind, "eyebrow": "Want to explore this?", "title": sentence(5),
        "body": sentence(16), "cta_label": "Learn more →", "target_url": f"https://partner.example/{i}",
        "disclosure": "Affiliate link — we may earn a commission." if kind == "affiliate" else None,
        "starts_at": None, "ends_at": None,
    })

now = datetime.now(timezone.utc).replace(microsecond=0)
articles, slugs = [], []
for i in range(count):
    slug = f"article-{i}"
    blocks = [{"type": "text", "heading": None, "body": paragraph()}]
    for j in range(9):
        kind = ["text", "text", "feelings", "text", "steps", "text", "promo", "text", "promo"][j]
        if kind == "text":
            blocks.append({"type": "text", "heading": sentence(4).rstrip("."),
                           "body": paragraph() + "\n\n" + paragraph()})
        elif kind == "feelings":
            blocks.append({"type": "feelings", "ref": f"feelings-{i % 50}"})
        elif kind == "steps":
            blocks.append({"type": "steps", "ref": f"steps-{(i * 7) % 50}"})
        else:
            blocks.append({"type": "promo", "ref": f"promo-{(i + j) % 20}"})
    published = now - timedelta(hours=count - i)
    articles.append({
        "slug": slug, "title": sentence(7).rstrip("."), "subtitle": sentence(10), "summary": sentence(20),
        "status": "published", "published_at": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tags": sorted(random.sample(["anxious", "avoidant", "secure", "breakups", "dating", "marriage"], 2)),
        "blocks": blocks,
    })
    slugs.append(slug)

bundle = {"version": 1, "perspectives": perspectives, "promos": promos, "feeling_lists": feeling_lists,
          "step_guides": step_guides, "articles": articles}
with open(out_bundle, "w") as f:
    json.dump(bundle, f)
with open(out_slugs, "w") as f:
    f.write("\n".join(slugs) + "\n")
