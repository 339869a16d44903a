//! A briefing as PDF, typeset by typst used as a library: the briefing is written as a typst
//! document (every text passed as an escaped string, never as markup), the charts handed over
//! as SVG files (so they stay vectors), fonts taken from the machine — a CJK family is
//! required, and its absence is an error naming the Debian package to install.

use std::sync::LazyLock;

use tuijin_core::briefing::{Block, Brief};
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_kit::fonts::FontStore;
use typst_layout::PagedDocument;

/// No CJK font on the machine: Chinese would come out as empty boxes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "no Chinese (CJK) font is installed, so the PDF cannot be typeset; install the Debian package \
     fonts-noto-cjk (apt-get install fonts-noto-cjk) or fonts-wqy-microhei, then try again"
)]
pub struct FontsMissing;

/// Families that cover Chinese, the first found is used.
const CJK_FAMILIES: [&str; 6] = [
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "AR PL UMing CN",
];

struct Fonts {
    store: FontStore,
    cjk: Option<String>,
}

// Scanning the system's fonts takes a while: once per process.
static FONTS: LazyLock<Fonts> = LazyLock::new(|| {
    let mut store = FontStore::new();
    store.extend(typst_kit::fonts::system());
    let book = store.book();
    let cjk = CJK_FAMILIES
        .iter()
        .find(|f| book.contains_family(&f.to_lowercase()))
        .map(|f| f.to_string());
    Fonts { store, cjk }
});

struct BriefWorld {
    library: LazyHash<Library>,
    main: Source,
    files: Vec<(FileId, Bytes)>,
    today: Datetime,
}

fn file_id(path: &str) -> FileId {
    RootedPath::new(
        VirtualRoot::Project,
        VirtualPath::new(path).expect("a valid path"),
    )
    .intern()
}

impl World for BriefWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        FONTS.store.book()
    }
    fn main(&self) -> FileId {
        self.main.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotFound(
                id.get().vpath().get_with_slash().into(),
            ))
        }
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files
            .iter()
            .find(|(f, _)| *f == id)
            .map(|(_, b)| b.clone())
            .ok_or_else(|| FileError::NotFound(id.get().vpath().get_with_slash().into()))
    }
    fn font(&self, index: usize) -> Option<Font> {
        FONTS.store.font(index)
    }
    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

/// A typst string literal.
fn s(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Content holding `text` exactly.
fn c(text: &str) -> String {
    format!("[#{}]", s(text))
}

/// The briefing as a typst document; the charts become `/chart-N.svg`.
fn source(b: &Brief, font: &str) -> (String, Vec<String>) {
    let mut o = String::new();
    let mut charts = Vec::new();
    let d = b.as_of;
    use chrono::Datelike;
    o.push_str(&format!(
        "#set document(title: {}, date: datetime(year: {}, month: {}, day: {}))\n",
        s(&format!("{} · {}", b.title, b.subtitle)),
        d.year(),
        d.month(),
        d.day()
    ));
    o.push_str("#set page(paper: \"a4\", margin: (x: 2cm, y: 2.2cm), numbering: \"1 / 1\", number-align: center)\n");
    o.push_str(&format!(
        "#set text(font: ({}, \"DejaVu Sans\"), size: 10pt, lang: {}, region: {})\n",
        s(font),
        s(if b.lang == "en" { "en" } else { "zh" }),
        s(if b.lang == "en" { "gb" } else { "cn" })
    ));
    o.push_str("#set par(justify: false, leading: 0.75em)\n");
    o.push_str("#show heading.where(level: 1): it => block(width: 100%, above: 1.6em, below: 0.8em, stroke: (bottom: 1.2pt + rgb(\"#b22222\")), inset: (bottom: 4pt), text(size: 13.5pt, weight: \"bold\", it.body))\n");
    o.push_str("#show heading.where(level: 2): it => block(above: 1.1em, below: 0.6em, text(size: 11pt, weight: \"bold\", it.body))\n");
    o.push_str("#set table(stroke: 0.5pt + rgb(\"#999999\"), inset: (x: 4pt, y: 3pt))\n");
    o.push_str("#show table: set text(size: 8.5pt)\n");
    o.push_str("#show table.cell.where(y: 0): set text(weight: \"bold\")\n\n");
    o.push_str(&format!(
        "#align(center)[#text(size: 20pt, weight: \"bold\", {})]\n\n",
        s(&b.title)
    ));
    o.push_str(&format!(
        "#align(center)[#text(size: 13pt, {})]\n\n",
        s(&b.subtitle)
    ));
    o.push_str(&format!(
        "#align(center)[#text(size: 9pt, fill: rgb(\"#555555\"), {})]\n\n",
        s(&b.issued)
    ));
    o.push_str(&format!(
        "#outline(title: {}, depth: 1)\n\n#pagebreak()\n\n",
        c(&b.contents)
    ));
    for sec in &b.sections {
        o.push_str(&format!("#heading(level: 1, {})\n\n", c(&sec.heading)));
        for block in &sec.blocks {
            match block {
                Block::Para { text } => o.push_str(&format!("#par({})\n\n", c(text))),
                Block::Subheading { text } => {
                    o.push_str(&format!("#heading(level: 2, {})\n\n", c(text)))
                }
                Block::Note { text } => o.push_str(&format!(
                    "#text(size: 8pt, fill: rgb(\"#555555\"), {})\n\n",
                    s(text)
                )),
                Block::Bullets { items } => {
                    let list: Vec<String> = items.iter().map(|i| c(i)).collect();
                    o.push_str(&format!("#list({})\n\n", list.join(", ")));
                }
                Block::Figures { items } => {
                    let cells: Vec<String> = items
                        .iter()
                        .map(|(k, v)| {
                            format!(
                                "box(width: 100%, stroke: 0.5pt + rgb(\"#cccccc\"), radius: 2pt, inset: 5pt)[#text(size: 7.5pt, fill: rgb(\"#555555\"), {})\\ #text(size: 12pt, weight: \"bold\", {})]",
                                s(k),
                                s(v)
                            )
                        })
                        .collect();
                    o.push_str(&format!(
                        "#grid(columns: (1fr, 1fr, 1fr, 1fr), gutter: 5pt, {})\n\n",
                        cells.join(", ")
                    ));
                }
                Block::Table(t) => {
                    let n = t.head.len().max(1);
                    let align: Vec<&str> = (0..n)
                        .map(|k| {
                            if t.numeric.get(k).copied().unwrap_or(false) {
                                "right"
                            } else {
                                "left"
                            }
                        })
                        .collect();
                    let head: Vec<String> = t.head.iter().map(|h| c(h)).collect();
                    let mut cells = Vec::new();
                    for r in &t.rows {
                        for k in 0..n {
                            cells.push(c(r.get(k).map(String::as_str).unwrap_or("")));
                        }
                    }
                    o.push_str(&format!(
                        "#table(columns: {n}, align: ({},), fill: (_, y) => if y == 0 {{ rgb(\"#f2f2f2\") }}, table.header({}), {})\n\n",
                        align.join(", "),
                        head.join(", "),
                        cells.join(", ")
                    ));
                }
                Block::Chart(ch) => {
                    let path = format!("/chart-{}.svg", charts.len());
                    charts.push(ch.svg.clone());
                    o.push_str(&format!(
                        "#figure(image({}, width: 100%, alt: {}), caption: {})\n\n",
                        s(&path),
                        s(&ch.alt),
                        c(&ch.caption)
                    ));
                }
            }
        }
    }
    (o, charts)
}

/// The briefing as PDF bytes. Fails when the machine has no CJK font (`FontsMissing`), or
/// with typst's own message should the document not typeset.
pub fn pdf(b: &Brief) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
    let font = FONTS.cjk.clone().ok_or(FontsMissing)?;
    let (text, charts) = source(b, &font);
    let files = charts
        .into_iter()
        .enumerate()
        .map(|(k, svg)| (file_id(&format!("/chart-{k}.svg")), Bytes::from_string(svg)))
        .collect();
    use chrono::Datelike;
    let world = BriefWorld {
        library: LazyHash::new(Library::default()),
        main: Source::new(file_id("/brief.typ"), text),
        files,
        today: Datetime::from_ymd(b.as_of.year(), b.as_of.month() as u8, b.as_of.day() as u8)
            .ok_or("as-of date out of typst's range")?,
    };
    let doc: PagedDocument = typst::compile(&world).output.map_err(|e| {
        let msgs: Vec<String> = e.iter().map(|d| d.message.to_string()).collect();
        format!("typesetting failed: {}", msgs.join("; "))
    })?;
    let options = typst_pdf::PdfOptions {
        ident: typst::foundations::Smart::Custom(b.file_stem()),
        ..Default::default()
    };
    typst_pdf::pdf(&doc, &options).map_err(|e| {
        let msgs: Vec<String> = e.iter().map(|d| d.message.to_string()).collect();
        format!("PDF export failed: {}", msgs.join("; ")).into()
    })
}
