//! A briefing as one self-contained HTML document: its own styles, the charts inline as SVG,
//! a table of contents, A4 print rules with page numbers where the browser supports them. It
//! is the file the office mails or opens offline, not a page of the site.

use maud::{DOCTYPE, Markup, PreEscaped, html};
use tuijin_core::briefing::{Block, Brief};

const STYLE: &str = r#"
body{font-family:"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.6;color:#1a1a1a}
h1{font-size:1.6rem;margin:0}h2{font-size:1.25rem;border-bottom:2px solid #b22222;padding-bottom:.2rem;margin-top:2rem}
h3{font-size:1.05rem;margin:1.2rem 0 .4rem}.sub{font-size:1.1rem;margin:.3rem 0}.muted{color:#555}.small{font-size:.85rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0 .8rem;font-size:.9rem}th,td{border:1px solid #bbb;padding:.25rem .4rem;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.num,th.num{text-align:right;white-space:nowrap}
dl.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:.4rem;margin:.6rem 0}
dl.figures div{border:1px solid #ddd;border-radius:4px;padding:.3rem .5rem}dl.figures dt{font-size:.8rem;color:#555}dl.figures dd{margin:0;font-size:1.15rem;font-weight:600}
figure{margin:.8rem 0}figure svg{max-width:100%;height:auto}figcaption{font-size:.85rem;color:#555}
nav.toc ol{padding-left:1.2rem}
@page{size:A4;margin:18mm 15mm;@bottom-center{content:counter(page)}}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}table,figure{break-inside:avoid}nav.toc a{color:inherit;text-decoration:none}}
"#;

/// The whole document.
pub fn html(b: &Brief) -> String {
    let doc = html! {
        (DOCTYPE)
        html lang=(if b.lang == "en" { "en" } else { "zh-CN" }) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (b.title) " · " (b.subtitle) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    h1 { (b.title) }
                    p.sub { (b.subtitle) }
                    p.muted.small { (b.issued) }
                }
                nav.toc aria-label=(b.contents) {
                    h2 { (b.contents) }
                    ol { @for s in &b.sections { li { a href={ "#" (s.id) } { (s.heading) } } } }
                }
                @for s in &b.sections {
                    section aria-labelledby=(s.id) {
                        h2 id=(s.id) { (s.heading) }
                        @for block in &s.blocks { (render(block)) }
                    }
                }
            }
        }
    };
    doc.into_string()
}

fn render(b: &Block) -> Markup {
    match b {
        Block::Para { text } => html! { p { (text) } },
        Block::Subheading { text } => html! { h3 { (text) } },
        Block::Note { text } => html! { p.muted.small { (text) } },
        Block::Bullets { items } => html! { ul { @for i in items { li { (i) } } } },
        Block::Figures { items } => html! {
            dl.figures { @for (k, v) in items { div { dt { (k) } dd { (v) } } } }
        },
        Block::Table(t) => html! {
            table {
                thead { tr { @for (k, h) in t.head.iter().enumerate() {
                    th class=[t.numeric.get(k).copied().unwrap_or(false).then_some("num")] { (h) }
                } } }
                tbody { @for r in &t.rows { tr { @for (k, c) in r.iter().enumerate() {
                    td class=[t.numeric.get(k).copied().unwrap_or(false).then_some("num")] { (c) }
                } } } }
            }
        },
        // The SVG is ours (web::charts), its text escaped when it was drawn.
        Block::Chart(c) => html! {
            figure role="img" aria-label=(c.alt) {
                (PreEscaped(&c.svg))
                figcaption { (c.caption) }
            }
        },
    }
}
