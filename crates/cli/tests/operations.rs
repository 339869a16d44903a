//! Operating Tuijin as an administrator would: start-up refusing what it must not trust (a
//! mistyped data folder, another program's database, a damaged file), backups and restores
//! from the command line, the integrity check, and the audit of the history.

use std::process::{Command, Stdio};

fn tuijin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tuijin"));
    c.env_remove("TUIJIN_DATABASE_URL")
        .env_remove("TUIJIN_CONFIG")
        .env_remove("TUIJIN_DATA")
        .env("TUIJIN_LOG", "warn");
    c
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = tuijin().args(args).stdin(Stdio::null()).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn fixture(name: &str) -> String {
    format!("{}/../../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A data folder with the small plan and one accepted report.
fn filled(dir: &std::path::Path) -> String {
    let data = dir.join("data");
    let data = data.to_str().unwrap().to_string();
    let (code, _, err) = run(&[
        "plan",
        "import",
        &fixture("small.toml"),
        "--data",
        &data,
        "--init",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&[
        "report",
        "submit",
        "--plan",
        "demo-small",
        "--item",
        "E1.1",
        "--period",
        "2020-05",
        "--unit",
        "JTW",
        "--percent",
        "40",
        "--narrative",
        "盾构推进",
        "--accept",
        "--data",
        &data,
    ]);
    assert_eq!(code, 0, "{err}");
    data
}

#[test]
fn start_up_refuses_what_it_must_not_trust() {
    let dir = tempfile::tempdir().unwrap();
    // A mistyped data folder is an error, not a new empty server.
    let typo = dir.path().join("tuijin-dta");
    let (code, _, err) = run(&["plan", "export", "--data", typo.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("--init"), "{err}");
    assert!(!typo.exists(), "nothing created");
    let (code, _, err) = run(&["migrate", "--data", typo.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(!typo.exists());
    // Another program's SQLite file is refused, not migrated.
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    let db = other.join("tuijin.db");
    let conn = Command::new("python3")
        .args([
            "-c",
            &format!(
                "import sqlite3; c = sqlite3.connect('{}'); c.execute('CREATE TABLE invoices (id INTEGER, total REAL)'); c.commit()",
                db.display()
            ),
        ])
        .status()
        .unwrap();
    assert!(conn.success());
    let (code, _, err) = run(&[
        "plan",
        "import",
        &fixture("small.toml"),
        "--data",
        other.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("not a Tuijin database") && err.contains("invoices"),
        "{err}"
    );
    // A file that is not SQLite at all.
    let junk = dir.path().join("junk");
    std::fs::create_dir_all(&junk).unwrap();
    std::fs::write(junk.join("tuijin.db"), vec![0x42u8; 8192]).unwrap();
    let (code, _, err) = run(&["check", "integrity", "--data", junk.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("not a SQLite database"), "{err}");
    // A damaged file: pages overwritten in the middle.
    let data = filled(dir.path());
    let file = std::path::Path::new(&data).join("tuijin.db");
    // What the writers left in the write-ahead log goes into the file first, so the damage is
    // what is read.
    let checkpoint = Command::new("python3")
        .args([
            "-c",
            &format!(
                "import sqlite3; c = sqlite3.connect('{}'); c.execute('PRAGMA wal_checkpoint(TRUNCATE)'); c.close()",
                file.display()
            ),
        ])
        .status()
        .unwrap();
    assert!(checkpoint.success());
    let mut bytes = std::fs::read(&file).unwrap();
    assert!(bytes.len() > 16 * 4096, "{} bytes", bytes.len());
    for b in &mut bytes[4096..] {
        *b = 0x5a;
    }
    std::fs::write(&file, &bytes).unwrap();
    let (code, _, err) = run(&["check", "integrity", "--data", &data]);
    assert_eq!(code, 1, "{err}");
    let last = err.lines().last().unwrap_or_default();
    assert!(
        last.contains("is damaged") && last.contains("tuijin restore"),
        "{err}"
    );
}

#[test]
fn backup_restore_integrity_and_audit_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = filled(dir.path());
    let (code, out, err) = run(&["check", "integrity", "--data", &data]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("every link holds"), "{out}");
    let backup = dir.path().join("b.tjbk");
    let (code, out, err) = run(&["backup", "-o", backup.to_str().unwrap(), "--data", &data]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("written and checked"), "{out}");
    let copy = dir.path().join("copy");
    let (code, out, err) = run(&[
        "restore",
        backup.to_str().unwrap(),
        "--data",
        copy.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("rollups checked"), "{out}");
    let export = |d: &str| run(&["plan", "export", "--data", d]).1;
    assert_eq!(export(&data), export(copy.to_str().unwrap()));
    // Restoring into a folder that holds data is refused.
    let (code, _, err) = run(&["restore", backup.to_str().unwrap(), "--data", &data]);
    assert_eq!(code, 1);
    assert!(err.contains("empty"), "{err}");
    // The history changed behind Tuijin's back: the audit names the event.
    let db = std::path::Path::new(&data).join("tuijin.db");
    let tamper = Command::new("python3")
        .args([
            "-c",
            &format!(
                "import sqlite3; c = sqlite3.connect('{}'); \
                 c.execute(\"UPDATE events SET actor = 'nobody' WHERE id = (SELECT MIN(id) FROM events WHERE kind = 'report.accepted')\"); c.commit()",
                db.display()
            ),
        ])
        .status()
        .unwrap();
    assert!(tamper.success());
    let (code, out, _) = run(&["audit", "verify", "--data", &data]);
    assert_eq!(code, 1);
    assert!(
        out.contains("BROKEN at event #") && out.contains("changed"),
        "{out}"
    );
    let (code, _, _) = run(&["check", "integrity", "--data", &data]);
    assert_eq!(code, 1);
    // The untouched copy still verifies.
    let (code, _, _) = run(&["audit", "verify", "--data", copy.to_str().unwrap()]);
    assert_eq!(code, 0);
}
