//! A briefing as a Word document the office edits before sending: Word's own styles for the
//! title, headings (so Word's navigation pane and the table of contents find them) and
//! tables; a table of contents field Word fills when the file is opened; page numbers in the
//! footer; A4; charts as pictures.

use docx_rs::{
    AlignmentType, BorderType, Docx, Footer, PageMargin, PageNum, Paragraph, Pic, Run, RunFonts,
    Shading, Style, StyleType, Table, TableBorder, TableBorderPosition, TableCell, TableOfContents,
    TableRow, WidthType,
};
use tuijin_core::briefing::{Block, Brief};

/// A4 in twentieths of a point.
const A4: (u32, u32) = (11_906, 16_838);
/// The text width on A4 with 2.5 cm margins, in EMU (for pictures).
const TEXT_WIDTH_EMU: u32 = 5_760_000;

fn fonts() -> RunFonts {
    RunFonts::new()
        .ascii("Arial")
        .hi_ansi("Arial")
        .east_asia("Noto Sans CJK SC")
}

fn styles(d: Docx) -> Docx {
    let heading = |id: &str, name: &str, size: usize, level: usize| {
        Style::new(id, StyleType::Paragraph)
            .name(name)
            .based_on("Normal")
            .next("Normal")
            .q_format(true)
            .size(size)
            .bold()
            .fonts(fonts())
            .outline_lvl(level)
    };
    // Word's own Normal style (docx-rs writes it) takes the document defaults below.
    d.default_fonts(fonts())
        .default_size(21)
        .add_style(
            Style::new("Title", StyleType::Paragraph)
                .name("Title")
                .based_on("Normal")
                .q_format(true)
                .size(40)
                .bold()
                .align(AlignmentType::Center),
        )
        .add_style(
            Style::new("Subtitle", StyleType::Paragraph)
                .name("Subtitle")
                .based_on("Normal")
                .q_format(true)
                .size(26)
                .align(AlignmentType::Center),
        )
        .add_style(heading("Heading1", "heading 1", 30, 0))
        .add_style(heading("Heading2", "heading 2", 24, 1))
        .add_style(
            Style::new("Caption", StyleType::Paragraph)
                .name("caption")
                .based_on("Normal")
                .q_format(true)
                .size(18)
                .color("555555"),
        )
        .add_style(
            Style::new("TOCHeading", StyleType::Paragraph)
                .name("TOC Heading")
                .based_on("Normal")
                .next("Normal")
                .size(30)
                .bold(),
        )
        .add_style(Style::new("TableGrid", StyleType::Table).name("Table Grid"))
}

fn para(style: &str, text: &str) -> Paragraph {
    Paragraph::new()
        .style(style)
        .add_run(Run::new().add_text(text))
}

fn table(t: &tuijin_core::briefing::Table) -> Table {
    let cell = |text: &str, numeric: bool, head: bool| {
        let mut run = Run::new().add_text(text).size(18);
        if head {
            run = run.bold();
        }
        let mut p = Paragraph::new().add_run(run);
        if numeric {
            p = p.align(AlignmentType::Right);
        }
        let mut c = TableCell::new().add_paragraph(p);
        if head {
            c = c.shading(Shading::new().fill("F2F2F2"));
        }
        c
    };
    let numeric = |k: usize| t.numeric.get(k).copied().unwrap_or(false);
    let mut rows = Vec::new();
    if !t.head.is_empty() {
        rows.push(TableRow::new(
            t.head
                .iter()
                .enumerate()
                .map(|(k, h)| cell(h, numeric(k), true))
                .collect(),
        ));
    }
    for r in &t.rows {
        rows.push(TableRow::new(
            r.iter()
                .enumerate()
                .map(|(k, c)| cell(c, numeric(k), false))
                .collect(),
        ));
    }
    let border = |p| {
        TableBorder::new(p)
            .border_type(BorderType::Single)
            .size(4)
            .color("999999")
    };
    Table::new(rows)
        .style("TableGrid")
        .width(5000, WidthType::Pct)
        .set_border(border(TableBorderPosition::Top))
        .set_border(border(TableBorderPosition::Bottom))
        .set_border(border(TableBorderPosition::Left))
        .set_border(border(TableBorderPosition::Right))
        .set_border(border(TableBorderPosition::InsideH))
        .set_border(border(TableBorderPosition::InsideV))
}

/// The document as .docx bytes.
pub fn docx(b: &Brief) -> Result<Vec<u8>, std::io::Error> {
    let mut d = styles(Docx::new())
        .page_size(A4.0, A4.1)
        .page_margin(
            PageMargin::new()
                .top(1418)
                .bottom(1418)
                .left(1418)
                .right(1418),
        )
        .created_at(&format!("{}T00:00:00Z", b.as_of))
        .updated_at(&format!("{}T00:00:00Z", b.as_of))
        .footer(
            Footer::new().add_paragraph(
                Paragraph::new()
                    .align(AlignmentType::Center)
                    .add_page_num(PageNum::new()),
            ),
        )
        .add_paragraph(para("Title", &b.title))
        .add_paragraph(para("Subtitle", &b.subtitle))
        .add_paragraph(para("Subtitle", &b.issued))
        .add_table_of_contents(
            TableOfContents::new()
                .heading_styles_range(1, 2)
                .alias(b.contents.as_str())
                .add_before_paragraph(para("TOCHeading", &b.contents))
                .auto(),
        );
    for s in &b.sections {
        d = d.add_paragraph(para("Heading1", &s.heading));
        for block in &s.blocks {
            d = match block {
                Block::Para { text } => d.add_paragraph(para("Normal", text)),
                Block::Subheading { text } => d.add_paragraph(para("Heading2", text)),
                Block::Note { text } => d.add_paragraph(para("Caption", text)),
                Block::Bullets { items } => items
                    .iter()
                    .fold(d, |d, i| d.add_paragraph(para("Normal", &format!("• {i}")))),
                Block::Figures { items } => d
                    .add_table(table(&tuijin_core::briefing::Table {
                        head: Vec::new(),
                        rows: items
                            .iter()
                            .map(|(k, v)| vec![k.clone(), v.clone()])
                            .collect(),
                        numeric: vec![false, true],
                    }))
                    .add_paragraph(para("Normal", "")),
                Block::Table(t) => d.add_table(table(t)).add_paragraph(para("Normal", "")),
                Block::Chart(c) => {
                    let d = match super::raster::png(&c.svg, 2.0) {
                        Some((png, w, h)) => {
                            let width = TEXT_WIDTH_EMU.min(w * 9525);
                            let height = (f64::from(width) * f64::from(h) / f64::from(w)) as u32;
                            d.add_paragraph(
                                Paragraph::new()
                                    .style("Normal")
                                    .align(AlignmentType::Center)
                                    .add_run(
                                        Run::new().add_image(Pic::new(&png).size(width, height)),
                                    ),
                            )
                        }
                        None => d,
                    };
                    d.add_paragraph(para("Caption", &c.caption))
                }
            };
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    d.build().pack(&mut out).map_err(std::io::Error::other)?;
    Ok(out.into_inner())
}
