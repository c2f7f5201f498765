#!/usr/bin/env python3
"""Writes a benchmark bundle (CONTRACT section 3, imported with `tether import`): N published
articles of 10 blocks each, with the feeling lists, step guides and promos they refer to, and the
list of article slugs.

The text is drawn from a generated vocabulary of 5,000 words whose frequencies follow Zipf's law
(the word of rank r is used in proportion to 1/r), so that, as in real text, a few words are in
almost every article and most words in few. Tags (200) are skewed the same way. Everything is
deterministic (--seed): the same N gives the same bytes, and article i is the same whatever N
(the 1,000-article corpus is the start of the 100,000-article one). Shared entities (feeling
lists, step guides, promos) depend on their index only, so a bundle made with --slug-prefix
holds new articles and repeats the other entities unchanged: importing it adds articles and
changes nothing else.

usage: gen_bundle.py BUNDLE.json SLUGS.txt [N] [--tags TAGS.txt] [--queries QUERIES.txt]
                     [--slug-prefix P] [--seed S]

--tags writes every tag, most used first. --queries writes search queries of two words of
middling frequency (Zipf ranks 200-1000: each in a few percent to a quarter of the articles,
both together in a small share), as `word1+word2` ready for `?q=`.
"""
import argparse
import bisect
import itertools
import json
import random
import sys
from datetime import datetime, timedelta, timezone

VOCABULARY = 5000
TAGS = 200
ZIPF_S = 1.0
QUERY_RANKS = (200, 1000)
PROMOS = 20

# English stop words PostgreSQL's `english` configuration drops from queries: a generated word
# equal to one of them would match everything.
STOP = set("""a about above after again against all am an and any are as at be because been before
being below between both but by can did do does doing down during each few for from further had
has have having he her here hers herself him himself his how i if in into is it its itself just me
more most my myself no nor not now of off on once only or other our ours ourselves out over own
same she should so some such than that the their theirs them themselves then there these they this
those through to too under until up very was we were what when where which while who whom why will
with you your yours yourself yourselves""".split())


def make_words(rng, count, min_len=4):
    """`count` distinct pronounceable words (letters only), in a random order."""
    onsets = "b c d f g h j k l m n p r s t v z br dr fl gr kl pl pr sk st tr".split()
    vowels = "a e i o u ai ea ou".split()
    endings = "a i o u an en in on al el il ok ak um".split()
    words, seen = [], set()
    while len(words) < count:
        syllables = rng.choice((2, 2, 3, 3, 3, 4))
        word = "".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(syllables - 1))
        word += rng.choice(onsets) + rng.choice(endings)
        if len(word) < min_len or word in seen or word in STOP:
            continue
        seen.add(word)
        words.append(word)
    return words


def zipf_cumulative(n, s=ZIPF_S):
    return list(itertools.accumulate(1.0 / (r ** s) for r in range(1, n + 1)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bundle")
    parser.add_argument("slugs")
    parser.add_argument("count", nargs="?", type=int, default=1000)
    parser.add_argument("--tags", help="write every tag here, most used first")
    parser.add_argument("--queries", help="write search queries (word1+word2) here")
    parser.add_argument("--query-count", type=int, default=500)
    parser.add_argument("--slug-prefix", default="", help="prefix of the article slugs, e.g. bulk-")
    parser.add_argument("--seed", default="42")
    args = parser.parse_args()
    seed = args.seed

    # The vocabulary in rank order: VOCAB[0] is the most frequent word.
    vocab = make_words(random.Random(f"{seed}-vocabulary"), VOCABULARY)
    cum = zipf_cumulative(VOCABULARY)
    tag_names = make_words(random.Random(f"{seed}-tags"), TAGS, min_len=5)
    tag_cum = zipf_cumulative(TAGS)

    def words(rng, n):
        return rng.choices(vocab, cum_weights=cum, k=n)

    def sentence(rng, lo, hi):
        text = " ".join(words(rng, rng.randint(lo, hi)))
        return text[0].upper() + text[1:] + "."

    def phrase(rng, lo, hi):
        text = " ".join(words(rng, rng.randint(lo, hi)))
        return text[0].upper() + text[1:]

    def paragraph(rng):
        return " ".join(sentence(rng, 8, 18) for _ in range(rng.randint(3, 5)))

    perspectives = [
        {"key": "anxious", "label": "Anxious partner"},
        {"key": "avoidant", "label": "Avoidant partner"},
        {"key": "both", "label": "Both"},
    ]
    keys = [p["key"] for p in perspectives]

    def feeling_list(i):
        rng = random.Random(f"{seed}-feelings-{i}")
        return {"slug": f"feelings-{i}", "title": "What You Might Be Feeling",
                "items": [{"perspective": rng.choice(keys), "text": sentence(rng, 6, 12)}
                          for _ in range(6)]}

    def step_guide(i):
        rng = random.Random(f"{seed}-steps-{i}")
        return {"slug": f"steps-{i}", "title": "What To Do",
                "steps": [{"title": sentence(rng, 4, 7), "body": paragraph(rng),
                           "perspective": rng.choice(keys + [None])} for _ in range(5)]}

    def promo(i):
        rng = random.Random(f"{seed}-promo-{i}")
        kind = ["affiliate", "book", "quiz", "cta"][i % 4]
        return {
            "slug": f"promo-{i}", "kind": kind, "eyebrow": "Want to explore this?",
            "title": phrase(rng, 3, 6), "body": sentence(rng, 12, 20), "cta_label": "Learn more →",
            "target_url": f"https://partner.example/{i}",
            "disclosure": "Affiliate link — we may earn a commission." if kind == "affiliate" else None,
            "starts_at": None, "ends_at": None,
        }

    count = args.count
    lists = max(50, count // 20)
    guides = max(50, count // 20)
    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    # Bulk bundles (with a prefix) interleave their articles with the main corpus's.
    offset = timedelta(minutes=30) if args.slug_prefix else timedelta(0)

    def article(i):
        rng = random.Random(f"{seed}-{args.slug_prefix}article-{i}")
        blocks = [{"type": "text", "heading": None, "body": paragraph(rng)}]
        for j, kind in enumerate(["text", "text", "feelings", "text", "steps", "text", "promo",
                                  "text", "promo"]):
            if kind == "text":
                blocks.append({"type": "text", "heading": phrase(rng, 3, 6),
                               "body": paragraph(rng) + "\n\n" + paragraph(rng)})
            elif kind == "feelings":
                blocks.append({"type": "feelings", "ref": f"feelings-{rng.randrange(lists)}"})
            elif kind == "steps":
                blocks.append({"type": "steps", "ref": f"steps-{rng.randrange(guides)}"})
            else:
                blocks.append({"type": "promo", "ref": f"promo-{(i + j) % PROMOS}"})
        tags = set()
        wanted = rng.choice((1, 2, 2, 3, 3, 4))
        while len(tags) < wanted:
            tags.add(tag_names[bisect.bisect_left(tag_cum, rng.random() * tag_cum[-1])])
        published = now - timedelta(hours=i + 1) - offset
        return {
            "slug": f"{args.slug_prefix}article-{i}", "title": phrase(rng, 5, 9),
            "subtitle": sentence(rng, 10, 16), "summary": sentence(rng, 20, 35),
            "status": "published", "published_at": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tags": sorted(tags), "blocks": blocks,
        }

    head = {"version": 1, "perspectives": perspectives,
            "promos": [promo(i) for i in range(PROMOS)],
            "feeling_lists": [feeling_list(i) for i in range(lists)],
            "step_guides": [step_guide(i) for i in range(guides)]}
    with open(args.bundle, "w") as out, open(args.slugs, "w") as slugs:
        text = json.dumps(head)
        out.write(text[:-1] + ', "articles": [')
        for i in range(count):
            a = article(i)
            out.write(("," if i else "") + json.dumps(a))
            slugs.write(a["slug"] + "\n")
        out.write("]}")

    if args.tags:
        with open(args.tags, "w") as f:
            f.write("\n".join(tag_names) + "\n")
    if args.queries:
        rng = random.Random(f"{seed}-queries")
        lo, hi = QUERY_RANKS
        middling = vocab[lo:hi]
        # The last word of a query also matches as a prefix: take second words that start no
        # other word, so that the query means exactly these two words.
        starts_other = {w for w in middling if any(v != w and v.startswith(w) for v in vocab)}
        seconds = [w for w in middling if w not in starts_other]
        with open(args.queries, "w") as f:
            for _ in range(args.query_count):
                first, second = rng.choice(middling), rng.choice(seconds)
                while second == first:
                    second = rng.choice(seconds)
                f.write(f"{first}+{second}\n")
    print(f"gen_bundle: {count} articles, {lists} feeling lists, {guides} step guides, {PROMOS} "
          f"promos, vocabulary {VOCABULARY} (Zipf s={ZIPF_S}), {TAGS} tags -> {args.bundle}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
