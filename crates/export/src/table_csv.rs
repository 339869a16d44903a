//! CSV tables: a header row and rows of text, written as spreadsheet programs read them. What
//! the lists of the API and the pages download (`web::csv_out` chooses the columns); the
//! format's rules live here once:
//!
//! - UTF-8 with a byte-order mark, so Excel opens Chinese as Chinese rather than guessing a
//!   legacy code page;
//! - RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote or line break;
//! - no formulas: see [`guard`].

use std::borrow::Cow;

/// The UTF-8 byte-order mark every table starts with.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A table being built: the header, then rows as wide as the header.
#[derive(Debug, Clone, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new<I, S>(header: I) -> Table
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Table {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; a short one is filled with empty cells and a long one cut to the header's
    /// width, so every line has the same number of fields.
    pub fn push<I, S>(&mut self, row: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut row: Vec<String> = row.into_iter().map(Into::into).collect();
        row.resize(self.header.len(), String::new());
        self.rows.push(row);
    }

    /// Rows so far, the header not counted.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The file: BOM, header, rows, each line ended by CRLF; every cell through [`guard`].
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = BOM.to_vec();
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .quote_style(csv::QuoteStyle::Necessary)
            .from_writer(&mut out);
        for row in std::iter::once(&self.header).chain(&self.rows) {
            // Writing to memory fails only on rows of unequal width, which `push` prevents.
            w.write_record(row.iter().map(|c| guard(c).into_owned()))
                .expect("a row as wide as the header, written to memory");
        }
        w.flush().expect("writing to memory");
        drop(w);
        out
    }
}

/// A cell made safe to open in a spreadsheet (CSV or formula injection, OWASP): text that
/// begins with `=`, `+`, `-`, `@`, a tab or a carriage return is taken by Excel, LibreOffice
/// and Google Sheets as a formula, so a report's narrative typed by a unit as
/// `=HYPERLINK("http://…","点此")` or `=cmd|' /C calc'!A0` would run or leak data on the office's
/// machine when the office opens the download. A leading apostrophe makes the program show
/// the text as text (and hides the apostrophe). A plain number (`-3.5`, `+2`) is left alone:
/// it cannot be a formula, and a spreadsheet should still read it as a number.
pub fn guard(cell: &str) -> Cow<'_, str> {
    let risky = matches!(
        cell.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    );
    if risky && !plain_number(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// A sign, digits, and at most one decimal point between digits: nothing a spreadsheet
/// evaluates.
fn plain_number(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = body.split_once('.').unwrap_or((body, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(cell: &str, expected: &str) {
        assert_eq!(guard(cell), expected, "{cell:?}");
    }

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        check("=1+1", "'=1+1");
        check("+SUM(A1)", "'+SUM(A1)");
        check("-2+3", "'-2+3");
        check("@cmd", "'@cmd");
        check("\tx", "'\tx");
        check("\rx", "'\rx");
        check("-", "'-");
        check("-.5", "'-.5");
        check("-3.5", "-3.5");
        check("+2", "+2");
        check("-12", "-12");
        check("郑州=1", "郑州=1");
        check("", "");
        check("a-b", "a-b");
    }

    #[test]
    fn bom_crlf_header_and_quoting() {
        let mut t = Table::new(["code", "title"]);
        t.push(["E1", "畅通郑州, \"工程\"\n二行"]);
        t.push(["E2"]);
        t.push(["E3", "=HYPERLINK(\"x\")", "cut"]);
        let bytes = t.to_bytes();
        assert_eq!(&bytes[..3], BOM);
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        assert_eq!(
            text,
            "code,title\r\nE1,\"畅通郑州, \"\"工程\"\"\n二行\"\r\nE2,\r\nE3,\"'=HYPERLINK(\"\"x\"\")\"\r\n"
        );
        // A reader gets the cells back.
        let mut r = csv::ReaderBuilder::new().from_reader(&bytes[3..]);
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(&rows[0][1], "畅通郑州, \"工程\"\n二行");
        assert_eq!(&rows[2][1], "'=HYPERLINK(\"x\")");
        assert_eq!(t.len(), 3);
    }

    #[test]
    fn an_empty_table_is_its_header() {
        let t = Table::new(["a"]);
        assert!(t.is_empty());
        assert_eq!(t.to_bytes(), b"\xEF\xBB\xBFa\r\n");
    }
}
