//! A briefing as Markdown (CommonMark with GitHub tables): what goes into a wiki, a mail or a
//! diff. Charts are left to the other formats; their captions and descriptions stay.

use tuijin_core::briefing::{Block, Brief};

/// Escapes what Markdown would read as markup in running text and table cells.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '$' | '&' => {
                out.push('\\');
                out.push(ch);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(ch),
        }
    }
    out
}

pub fn markdown(b: &Brief) -> String {
    let colon = if b.lang == "en" { ": " } else { "：" };
    let mut o = String::new();
    o.push_str(&format!("# {}\n\n", esc(&b.title)));
    o.push_str(&format!("**{}**\n\n", esc(&b.subtitle)));
    o.push_str(&format!("{}\n\n", esc(&b.issued)));
    o.push_str(&format!("## {}\n\n", esc(&b.contents)));
    // The headings carry their numbers.
    for s in &b.sections {
        o.push_str(&format!("- [{}](#{})\n", esc(&s.heading), s.id));
    }
    o.push('\n');
    for s in &b.sections {
        o.push_str(&format!(
            "<a id=\"{}\"></a>\n\n## {}\n\n",
            s.id,
            esc(&s.heading)
        ));
        for block in &s.blocks {
            match block {
                Block::Para { text } => o.push_str(&format!("{}\n\n", esc(text))),
                Block::Subheading { text } => o.push_str(&format!("### {}\n\n", esc(text))),
                Block::Note { text } => o.push_str(&format!("*{}*\n\n", esc(text))),
                Block::Bullets { items } => {
                    items
                        .iter()
                        .for_each(|i| o.push_str(&format!("- {}\n", esc(i))));
                    o.push('\n');
                }
                Block::Figures { items } => {
                    items.iter().for_each(|(k, v)| {
                        o.push_str(&format!("- {}{colon}**{}**\n", esc(k), esc(v)))
                    });
                    o.push('\n');
                }
                Block::Table(t) => {
                    let row = |cells: &[String]| {
                        format!(
                            "| {} |\n",
                            cells.iter().map(|c| esc(c)).collect::<Vec<_>>().join(" | ")
                        )
                    };
                    o.push_str(&row(&t.head));
                    let rule: Vec<String> = (0..t.head.len())
                        .map(|k| {
                            if t.numeric.get(k).copied().unwrap_or(false) {
                                "---:".to_string()
                            } else {
                                "---".to_string()
                            }
                        })
                        .collect();
                    o.push_str(&format!("|{}|\n", rule.join("|")));
                    t.rows.iter().for_each(|r| o.push_str(&row(r)));
                    o.push('\n');
                }
                Block::Chart(c) => {
                    o.push_str(&format!("> {}\n>\n> {}\n\n", esc(&c.caption), esc(&c.alt)))
                }
            }
        }
    }
    o
}
