//! Writing a bundle in the export format element by element, so an export never holds every
//! article: the bytes are exactly those of [`super::Bundle::to_json`] (pretty JSON, two-space
//! indentation, a trailing newline).

use std::io::{self, Write};

use serde::Serialize;

use super::BUNDLE_VERSION;
use crate::domain::content::{Article, FeelingList, Perspective, Promo, StepGuide};
use crate::domain::promotions::Placement;

/// A bundle being written: the sections before the articles are written by [`begin`], the
/// articles one by one, the placements by [`finish`].
///
/// [`begin`]: BundleWriter::begin
/// [`finish`]: BundleWriter::finish
pub struct BundleWriter<W: Write> {
    out: W,
    articles: usize,
}

/// The small sections, which come before the articles.
pub struct Head<'a> {
    pub perspectives: &'a [Perspective],
    pub promos: &'a [Promo],
    pub feeling_lists: &'a [FeelingList],
    pub step_guides: &'a [StepGuide],
}

impl<W: Write> BundleWriter<W> {
    /// Writes everything up to the first article.
    pub fn begin(mut out: W, head: Head<'_>) -> io::Result<Self> {
        write!(out, "{{\n  \"version\": {BUNDLE_VERSION}")?;
        field(&mut out, "perspectives", head.perspectives)?;
        field(&mut out, "promos", head.promos)?;
        field(&mut out, "feeling_lists", head.feeling_lists)?;
        field(&mut out, "step_guides", head.step_guides)?;
        out.write_all(b",\n  \"articles\": [")?;
        Ok(Self { out, articles: 0 })
    }

    /// Writes the next article.
    pub fn article(&mut self, article: &Article) -> io::Result<()> {
        self.out.write_all(if self.articles == 0 {
            b"\n    "
        } else {
            b",\n    "
        })?;
        pretty(&mut self.out, "    ", article)?;
        self.articles += 1;
        Ok(())
    }

    /// Closes the articles, writes the placements (when there are any), and ends the bundle.
    pub fn finish(mut self, placements: &[Placement]) -> io::Result<W> {
        self.out
            .write_all(if self.articles == 0 { b"]" } else { b"\n  ]" })?;
        if !placements.is_empty() {
            field(&mut self.out, "placements", placements)?;
        }
        self.out.write_all(b"\n}\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// `,\n  "name": value` at the first level of the bundle object.
fn field<W: Write, T: Serialize + ?Sized>(out: &mut W, name: &str, value: &T) -> io::Result<()> {
    write!(out, ",\n  \"{name}\": ")?;
    pretty(out, "  ", value)
}

/// Pretty JSON of `value` as it appears nested under `indent`: JSON strings never hold a raw
/// newline, so every newline in the output is formatting and gets the indent after it.
fn pretty<W: Write, T: Serialize + ?Sized>(out: &mut W, indent: &str, value: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(
        Indented {
            out,
            indent: indent.as_bytes(),
        },
        value,
    )
    .map_err(io::Error::other)
}

struct Indented<'w, W: Write> {
    out: &'w mut W,
    indent: &'w [u8],
}

impl<W: Write> Write for Indented<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while let Some(at) = rest.iter().position(|&b| b == b'\n') {
            self.out.write_all(&rest[..=at])?;
            self.out.write_all(self.indent)?;
            rest = &rest[at + 1..];
        }
        self.out.write_all(rest)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::bundle::Bundle;

    fn streamed(bundle: &Bundle) -> String {
        let head = Head {
            perspectives: &bundle.perspectives,
            promos: &bundle.promos,
            feeling_lists: &bundle.feeling_lists,
            step_guides: &bundle.step_guides,
        };
        let mut writer = BundleWriter::begin(Vec::new(), head).unwrap();
        for article in &bundle.articles {
            writer.article(article).unwrap();
        }
        String::from_utf8(writer.finish(&bundle.placements).unwrap()).unwrap()
    }

    #[test]
    fn the_same_bytes_as_the_whole_bundle() {
        let empty = Bundle::empty();
        assert_eq!(streamed(&empty), empty.to_json());
        let json = r#"{"version": 1,
            "perspectives": [{"key": "anxious", "label": "Anxious\npartner “q”"}],
            "promos": [{"slug": "offer", "kind": "cta", "title": "T", "target_url": "https://x.example"}],
            "feeling_lists": [{"slug": "list", "title": "L", "items": [{"perspective": "anxious", "text": "x"}]}],
            "articles": [
                {"slug": "a", "title": "A", "status": "draft", "tags": ["x"],
                 "blocks": [{"type": "text", "heading": null, "body": "line\nline"}, {"type": "feelings", "ref": "list"}]},
                {"slug": "b", "title": "B 🙂", "status": "draft"}
            ],
            "placements": [{"promo": "offer", "slot": "sidebar"}]}"#;
        let bundle = Bundle::parse(json).unwrap();
        assert_eq!(streamed(&bundle), bundle.to_json());
        let mut without = bundle.clone();
        without.placements.clear();
        without.articles.truncate(1);
        assert_eq!(streamed(&without), without.to_json());
    }
}
