//! For tests of workbooks (this crate's and the server's): a workbook's cells as values, and
//! the same workbook written again with some cells changed, as a person or a script would
//! change them. Formats and the hidden key's protection are not carried over; values are.

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use rust_xlsxwriter::Workbook;

/// Every sheet's name and cells, row by row.
pub fn sheets(bytes: &[u8]) -> Vec<(String, Vec<Vec<Data>>)> {
    let mut wb: Xlsx<_> =
        open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("a workbook");
    let names = wb.sheet_names().to_vec();
    names
        .into_iter()
        .map(|n| {
            let r = wb.worksheet_range(&n).expect("a sheet");
            (n, r.rows().map(|row| row.to_vec()).collect())
        })
        .collect()
}

/// The workbook written again after `edit` changed each sheet's cells (given its name).
pub fn rewrite(bytes: &[u8], edit: &dyn Fn(&str, &mut Vec<Vec<Data>>)) -> Vec<u8> {
    let mut wb = Workbook::new();
    for (name, mut rows) in sheets(bytes) {
        let ws = wb.add_worksheet();
        ws.set_name(&name).expect("a sheet name");
        edit(&name, &mut rows);
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match v {
                    Data::String(s) => ws.write_string(r, c, s).map(|_| ()),
                    Data::Float(f) => ws.write_number(r, c, *f).map(|_| ()),
                    Data::Int(i) => ws.write_number(r, c, *i as f64).map(|_| ()),
                    Data::Bool(b) => ws.write_boolean(r, c, *b).map(|_| ()),
                    Data::DateTime(d) => ws.write_number(r, c, d.as_f64()).map(|_| ()),
                    _ => Ok(()),
                }
                .expect("a cell");
            }
        }
    }
    wb.save_to_buffer().expect("a workbook")
}

/// The workbook with cells of `sheet` set: (row, column, value), zero-based.
pub fn set_cells(bytes: &[u8], sheet: &str, cells: &[(u32, u16, Data)]) -> Vec<u8> {
    rewrite(bytes, &|name, grid| {
        if name != sheet {
            return;
        }
        for (r, c, v) in cells {
            let (r, c) = (*r as usize, *c as usize);
            grid.resize(grid.len().max(r + 1), Vec::new());
            let len = grid[r].len().max(c + 1);
            grid[r].resize(len, Data::Empty);
            grid[r][c] = v.clone();
        }
    })
}
