//! Evidence files (佐证材料) on reports and notice replies: what a file may be. Its type is
//! judged from its content (magic numbers, by the `infer` crate), never from its name or the
//! type the browser claims, and the name must agree with the content, so a page disguised as a
//! PDF or a program named like a photo is refused. Accepted: images, PDF, Office files (OOXML
//! and the older binary formats, which WPS also writes) and plain UTF-8 text.

use serde::Serialize;

use crate::problem::{Problem, Problems, Refusal, Rule};

/// The default largest file: 20 MB (a plan setting may change it).
pub const DEFAULT_MAX_BYTES: u64 = 20 * 1024 * 1024;

/// The most files one upload takes.
pub const MAX_FILES: usize = 20;

/// The longest file name kept, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// An accepted type: the MIME type a download is served with, and the name endings that say it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FileType {
    pub mime: &'static str,
    pub endings: &'static [&'static str],
}

const TYPES: &[FileType] = &[
    FileType {
        mime: "image/jpeg",
        endings: &["jpg", "jpeg"],
    },
    FileType {
        mime: "image/png",
        endings: &["png"],
    },
    FileType {
        mime: "image/gif",
        endings: &["gif"],
    },
    FileType {
        mime: "image/webp",
        endings: &["webp"],
    },
    FileType {
        mime: "image/bmp",
        endings: &["bmp"],
    },
    FileType {
        mime: "image/tiff",
        endings: &["tif", "tiff"],
    },
    FileType {
        mime: "image/heif",
        endings: &["heic", "heif"],
    },
    FileType {
        mime: "application/pdf",
        endings: &["pdf"],
    },
    FileType {
        mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        endings: &["docx"],
    },
    FileType {
        mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        endings: &["xlsx"],
    },
    FileType {
        mime: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        endings: &["pptx"],
    },
    FileType {
        mime: "application/msword",
        endings: &["doc", "wps"],
    },
    FileType {
        mime: "application/vnd.ms-excel",
        endings: &["xls", "et"],
    },
    FileType {
        mime: "application/vnd.ms-powerpoint",
        endings: &["ppt", "dps"],
    },
];

/// Plain text: UTF-8 without control characters other than tab, line and page breaks.
const TEXT: FileType = FileType {
    mime: "text/plain; charset=utf-8",
    endings: &["txt", "csv", "md", "log"],
};

/// Every media type a file may be served as (the API documents each; a test keeps the two
/// alike), text without its charset parameter.
pub fn served_types() -> Vec<&'static str> {
    TYPES
        .iter()
        .map(|t| t.mime)
        .chain(std::iter::once("text/plain"))
        .collect()
}

/// The name as kept: the last part of a path a browser may send, trimmed.
pub fn clean_name(name: &str) -> String {
    name.rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .trim()
        .to_string()
}

fn ending(name: &str) -> Option<String> {
    let (stem, ext) = name.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_ascii_lowercase())
}

fn is_text(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|s| {
        !s.chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
    })
}

/// The Office document a zip file is, by the parts its directory lists (a Word, Excel or
/// PowerPoint file is a zip with `[Content_Types].xml` and its main part), whatever order its
/// writer put them in; any other zip is no accepted type.
fn office_in_zip(bytes: &[u8]) -> Option<FileType> {
    let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let names: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    let has = |part: &str| names.iter().any(|n| n == part);
    if !has("[Content_Types].xml") {
        return None;
    }
    let main = [
        ("word/document.xml", "wordprocessingml"),
        ("xl/workbook.xml", "spreadsheetml"),
        ("ppt/presentation.xml", "presentationml"),
    ];
    let (_, kind) = main.iter().find(|(part, _)| has(part))?;
    // The package must say what its main part is: its content types name the kind's main
    // document (read whole, but only up to 1 MiB: it is a short list).
    let mut zip = zip;
    let mut types = String::new();
    let entry = zip.by_name("[Content_Types].xml").ok()?;
    std::io::Read::read_to_string(&mut std::io::Read::take(entry, 1 << 20), &mut types).ok()?;
    if !types.contains(&format!("officedocument.{kind}.")) {
        return None;
    }
    TYPES.iter().find(|t| t.mime.contains(kind)).copied()
}

/// Checks a file before it is kept: a name with an ending, not empty, at most `max` bytes, of
/// an accepted type by its content, and named as what it is. Answers the type it is served as.
pub fn check(field: &str, name: &str, bytes: &[u8], max: u64) -> Result<FileType, Refusal> {
    let mut out = Problems::default();
    let name = clean_name(name);
    crate::problem::check_text(field, &name, &mut out);
    let ext = ending(&name);
    if name.chars().count() > MAX_NAME_CHARS || ext.is_none() {
        out.push(Problem::new(field, Rule::FileName).with("name", &name));
    }
    if bytes.is_empty() {
        out.push(Problem::new(field, Rule::FileEmpty).with("name", &name));
    }
    if bytes.len() as u64 > max {
        out.push(
            Problem::new(field, Rule::FileTooBig)
                .with("name", &name)
                .with("max", format!("{:.0}", max as f64 / (1024.0 * 1024.0))),
        );
    }
    out.finish()?;
    let found = match infer::get(bytes) {
        Some(t)
            if t.mime_type() == "application/zip" || t.mime_type().contains("openxmlformats") =>
        {
            office_in_zip(bytes)
        }
        Some(t) => TYPES.iter().find(|k| k.mime == t.mime_type()).copied(),
        None if is_text(bytes) => Some(TEXT),
        None => None,
    };
    let Some(found) = found else {
        return Err(Refusal::Invalid(vec![
            Problem::new(field, Rule::FileType).with("name", &name),
        ]));
    };
    let ext = ext.unwrap_or_default();
    if !found.endings.contains(&ext.as_str()) {
        return Err(Refusal::Invalid(vec![
            Problem::new(field, Rule::FileDisguised)
                .with("name", &name)
                .with("found", found.endings[0])
                .with("ending", ext),
        ]));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

    fn rule(r: Result<FileType, Refusal>) -> Rule {
        r.unwrap_err().problems()[0].rule
    }

    fn zipped(parts: &[&str]) -> Vec<u8> {
        use std::io::Write;
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        let kind = if parts.contains(&"word/document.xml") {
            "wordprocessingml.document.main+xml"
        } else if parts.contains(&"xl/workbook.xml") {
            "spreadsheetml.sheet.main+xml"
        } else {
            "none"
        };
        for p in parts {
            w.start_file(*p, opts).unwrap();
            let body = if *p == "[Content_Types].xml" {
                format!(
                    "<Types><Override ContentType=\"application/vnd.openxmlformats-officedocument.{kind}\"/></Types>"
                )
            } else {
                "<x/>".into()
            };
            w.write_all(body.as_bytes()).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn office_files_are_known_by_their_parts_in_any_order() {
        // python-docx's order: the properties before the document.
        let docx = zipped(&[
            "[Content_Types].xml",
            "_rels/.rels",
            "docProps/core.xml",
            "docProps/app.xml",
            "customXml/item1.xml",
            "word/styles.xml",
            "word/document.xml",
        ]);
        assert_eq!(
            check("file", "方案.docx", &docx, 1 << 20).unwrap().endings,
            ["docx"]
        );
        let xlsx = zipped(&["docProps/app.xml", "[Content_Types].xml", "xl/workbook.xml"]);
        assert_eq!(
            check("file", "台账.xlsx", &xlsx, 1 << 20).unwrap().endings,
            ["xlsx"]
        );
        assert_eq!(
            rule(check("file", "台账.docx", &xlsx, 1 << 20)),
            Rule::FileDisguised
        );
        // A zip of anything else is no Office file, whatever its name.
        let other = zipped(&["a.txt", "b.exe"]);
        assert_eq!(
            rule(check("file", "x.docx", &other, 1 << 20)),
            Rule::FileType
        );
        // Nor one that only borrows the part names without saying what it holds.
        let borrowed = {
            use std::io::Write;
            let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            for p in ["[Content_Types].xml", "word/document.xml", "evil.exe"] {
                w.start_file(p, opts).unwrap();
                w.write_all(b"x").unwrap();
            }
            w.finish().unwrap().into_inner()
        };
        assert_eq!(
            rule(check("file", "x.docx", &borrowed, 1 << 20)),
            Rule::FileType
        );
    }

    #[test]
    fn a_file_is_judged_by_its_content_and_must_be_named_as_what_it_is() {
        assert_eq!(
            check("file", "照片.png", PNG, 1000).unwrap().mime,
            "image/png"
        );
        assert_eq!(
            check("file", "a/b\\会议纪要.PDF", PDF, 1000).unwrap().mime,
            "application/pdf"
        );
        assert_eq!(
            check("file", "说明.txt", "进度说明\n第二行".as_bytes(), 1000)
                .unwrap()
                .mime,
            "text/plain; charset=utf-8"
        );
        // A web page is never accepted, whatever its name; a PNG named .pdf is disguised.
        assert_eq!(
            rule(check("file", "x.pdf", b"<html><script>", 1000)),
            Rule::FileType
        );
        assert_eq!(
            rule(check("file", "x.txt", b"<!DOCTYPE html><html>", 1000)),
            Rule::FileType
        );
        assert_eq!(rule(check("file", "x.pdf", PNG, 1000)), Rule::FileDisguised);
        // A program, or bytes of no accepted type, are refused whatever their name.
        assert_eq!(
            rule(check(
                "file",
                "photo.jpg",
                b"MZ\x90\0\x03\0\0\0\x04\0",
                1000
            )),
            Rule::FileType
        );
        assert_eq!(
            rule(check("file", "x.txt", b"\0\x01\x02binary", 1000)),
            Rule::FileType
        );
        assert_eq!(rule(check("file", "x.txt", b"", 1000)), Rule::FileEmpty);
        assert_eq!(rule(check("file", "x.png", PNG, 10)), Rule::FileTooBig);
        assert_eq!(rule(check("file", "noending", PDF, 1000)), Rule::FileName);
        assert_eq!(rule(check("file", ".pdf", PDF, 1000)), Rule::FileName);
        assert_eq!(
            rule(check("file", "a\u{202e}fdp.exe", PDF, 1000)),
            Rule::ControlCharacter
        );
    }
}
