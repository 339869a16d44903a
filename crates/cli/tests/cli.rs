//! The `tuijin` binary as a user runs it: exit codes, messages, and the demo serving the seed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

fn tuijin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tuijin"));
    c.env_remove("TUIJIN_DATABASE_URL")
        .env_remove("TUIJIN_CONFIG")
        .env_remove("TUIJIN_DATA")
        .env("TUIJIN_LOG", "warn");
    c
}

fn fixture(name: &str) -> String {
    format!("{}/../../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = tuijin().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn help_everywhere() {
    for args in [
        vec!["--help"],
        vec!["demo", "--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["plan", "--help"],
        vec!["plan", "validate", "--help"],
        vec!["plan", "import", "--help"],
        vec!["plan", "export", "--help"],
        vec!["plan", "generate", "--help"],
        vec!["status", "--help"],
        vec!["check", "rollups", "--help"],
        vec!["report", "submit", "--help"],
        vec!["user", "add", "--help"],
        vec!["user", "list", "--help"],
        vec!["token", "create", "--help"],
        vec!["token", "revoke", "--help"],
    ] {
        let (code, out, _) = run(&args);
        assert_eq!(code, 0, "{args:?}");
        assert!(out.contains("Usage"), "{args:?}: {out}");
    }
}

#[test]
fn validate_reports_every_problem_with_its_place() {
    let (code, out, _) = run(&["plan", "validate", &fixture("small.toml")]);
    assert_eq!(code, 0);
    assert!(out.contains("valid — plan demo-small, 4 items"), "{out}");
    let (code, _, err) = run(&["plan", "validate", &fixture("bad.toml")]);
    assert_eq!(code, 1);
    assert!(
        err.contains("bad.toml:21:10: unknown parent code `NOPE`"),
        "{err}"
    );
    assert!(err.contains("has 10 problems"), "{err}");
    let (_, _, err) = run(&["plan", "validate", "--lang", "zh", &fixture("bad.toml")]);
    assert!(err.contains("上级编码 `NOPE` 不存在"), "{err}");
    let (code, _, err) = run(&["plan", "validate", "/nonexistent/plan.toml"]);
    assert_eq!(code, 1);
    assert_eq!(err.lines().count(), 1, "one-line reason: {err}");
    assert!(
        err.starts_with("tuijin: cannot read /nonexistent/plan.toml"),
        "{err}"
    );
}

#[test]
fn failed_import_changes_nothing_and_round_trip_is_identical() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let (code, _, err) = run(&["plan", "import", &fixture("bad.toml"), "--data", data]);
    assert_eq!(code, 1);
    assert!(err.contains("nothing imported"), "{err}");
    let (code, _, err) = run(&["plan", "export", "--data", data]);
    assert_eq!(code, 1);
    assert!(err.contains("holds no plan"), "{err}");

    let (code, out, _) = run(&[
        "plan",
        "import",
        &fixture("small.toml"),
        "--data",
        data,
        "--init",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("items      4 added"), "{out}");
    let exported = dir.path().join("export.toml");
    let (code, _, _) = run(&[
        "plan",
        "export",
        "--data",
        data,
        "-o",
        exported.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let (code, out, _) = run(&["plan", "import", exported.to_str().unwrap(), "--data", data]);
    assert_eq!(code, 0);
    assert!(out.contains("unchanged in"), "{out}");
    assert!(
        out.contains("items      0 added, 0 updated, 0 archived, 4 unchanged"),
        "{out}"
    );
    let again = dir.path().join("again.toml");
    run(&[
        "plan",
        "export",
        "--data",
        data,
        "-o",
        again.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read_to_string(&exported).unwrap(),
        std::fs::read_to_string(&again).unwrap()
    );
}

#[test]
fn unknown_database_scheme_is_a_clear_start_up_error() {
    let (code, _, err) = run(&["plan", "export", "--database-url", "mysql://h/db"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("unsupported database URL scheme `mysql`"),
        "{err}"
    );
}

fn http_get(addr: &str, path: &str) -> String {
    http_get_as(addr, path, "")
}

fn http_get_as(addr: &str, path: &str, token: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    let auth = if token.is_empty() {
        String::new()
    } else {
        format!("Authorization: Bearer {token}\r\n")
    };
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    body
}

#[test]
fn demo_serves_the_seed_plan() {
    let dir = tempfile::tempdir().unwrap();
    // On the default day, named as the demo's own default.
    let (_guard, addr, printed) = start_demo(dir.path(), "2020-06-30");
    let res = http_get(&addr, "/api/v1/items?kind=project&parent=");
    let token = printed
        .iter()
        .find_map(|l| l.trim().strip_prefix("API token of office (shown once): "))
        .expect("the demo prints a token")
        .to_string();
    let anonymous = http_get(&addr, "/api/v1/warnings?plan=zz-ncc-2017&severity=high");
    assert!(anonymous.starts_with("HTTP/1.1 401"), "{anonymous}");
    let warnings = http_get_as(
        &addr,
        "/api/v1/warnings?plan=zz-ncc-2017&severity=high",
        &token,
    );
    assert!(
        dir.path().join("tuijin-data/tuijin.db").exists(),
        "creates ./tuijin-data"
    );
    assert!(
        printed
            .iter()
            .any(|l| l.contains("simulated today: 2020-06-30")),
        "{printed:?}"
    );
    assert!(printed.iter().any(|l| l.contains("log-in")), "{printed:?}");
    assert!(
        printed
            .iter()
            .any(|l| l.contains("warnings open on 2020-06-30:")),
        "{printed:?}"
    );
    assert!(warnings.contains("\"kind\":\"overdue\""), "{warnings}");
    // Real outcomes are loaded as actuals: metro was 151.8 km in 2019-09 against a path to
    // 300 km by 2020, so its item is warned as off the path.
    assert!(
        printed
            .iter()
            .any(|l| l.contains("real outcomes:") && l.contains("published figures")),
        "{printed:?}"
    );
    let off = http_get_as(
        &addr,
        "/api/v1/warnings?plan=zz-ncc-2017&kind=indicator_off_path",
        &token,
    );
    assert!(off.contains("Metro in operation was 151.8 km"), "{off}");
    assert!(
        printed
            .iter()
            .any(|l| l.contains("sample history:") && l.contains("样例数据")),
        "{printed:?}"
    );
    for (code, zh) in [
        ("E1", "畅通郑州工程"),
        ("E5", "幸福郑州工程"),
        ("E9", "智汇郑州工程"),
    ] {
        assert!(res.contains(&format!("\"code\":\"{code}\"")), "{res}");
        assert!(res.contains(zh), "{res}");
    }
    assert_eq!(res.matches("\"kind\":\"project\"").count(), 9, "{res}");
    // Sample notices, one in each state of the loop, one risen to red by its late reply.
    let notices = http_get_as(&addr, "/api/v1/notices?plan=zz-ncc-2017", &token);
    for state in ["closed", "signed", "returned", "issued"] {
        assert!(
            notices.contains(&format!("\"state\":\"{state}\"")),
            "{state}: {notices}"
        );
    }
    assert!(notices.contains("\"level\":\"red\""), "{notices}");
    assert!(notices.contains("样例数据"), "marked as sample");
    // The closed sample notice was replied to with its evidence.
    let closed = notices
        .split("{\"id\":")
        .find(|n| n.contains("\"state\":\"closed\""))
        .and_then(|n| n.split(',').next())
        .expect("a closed sample notice")
        .to_string();
    let files = http_get_as(&addr, &format!("/api/v1/notices/{closed}/evidence"), &token);
    assert!(files.contains("样例-反馈说明.txt"), "{files}");
    // A command run on the demo's database judges by the demo's today, not the real clock.
    let data = dir.path().join("tuijin-data");
    let (code, out, err) = run(&[
        "status",
        "--plan",
        "zz-ncc-2017",
        "--data",
        data.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("plan zz-ncc-2017 on 2020-06-30:"), "{out}");
    // Notices from the command line, on the demo's day too.
    let data = data.to_str().unwrap();
    let (code, out, err) = run(&["notice", "list", "--plan", "zz-ncc-2017", "--data", data]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("督办〔2020〕2号") && out.contains("(overdue)"),
        "{out}"
    );
    let (code, out, err) = run(&[
        "notice",
        "issue",
        "--plan",
        "zz-ncc-2017",
        "--item",
        "E1.1",
        "--unit",
        "DTJT",
        "--title",
        "地铁建设进度滞后",
        "--actions",
        "报送赶工方案",
        "--reply-by",
        "2020-07-10",
        "--data",
        data,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("督办〔2020〕7号"), "{out}");
    let id = out
        .split('#')
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_string();
    let (code, out, err) = run(&["notice", "show", &id, "--data", data]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("notice.issued") && out.contains("fact: E1.1"),
        "{out}"
    );
    // Refused input changes nothing and says why.
    let (code, _, err) = run(&[
        "notice",
        "issue",
        "--plan",
        "zz-ncc-2017",
        "--item",
        "NOPE",
        "--unit",
        "DTJT",
        "--title",
        "t",
        "--actions",
        "a",
        "--reply-by",
        "2020-01-01",
        "--data",
        data,
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("NOPE"), "{err}");
}

#[test]
fn report_status_and_check_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    run(&[
        "plan",
        "import",
        &fixture("small.toml"),
        "--data",
        data,
        "--init",
    ]);
    let (code, out, err) = run(&[
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
        "--figure",
        "metro_km=219.5",
        "--narrative",
        "盾构区间贯通",
        "--accept",
        "--data",
        data,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("accepted; progress moved on"), "{out}");
    let (code, _, err) = run(&[
        "report",
        "submit",
        "--plan",
        "demo-small",
        "--item",
        "E1.1",
        "--period",
        "2020-06",
        "--unit",
        "JTW",
        "--figure",
        "metro_km=lots",
        "--data",
        data,
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("--figure metro_km=lots"), "{err}");
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
        "140",
        "--data",
        data,
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("--percent") && err.contains("0 to 100"),
        "{err}"
    );
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
        "ZDQ",
        "--percent",
        "10",
        "--data",
        data,
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("neither leads nor co-operates"), "{err}");
    let (code, out, _) = run(&[
        "status",
        "--plan",
        "demo-small",
        "--branch",
        "E1",
        "--data",
        data,
    ]);
    assert_eq!(code, 0);
    assert!(
        out.contains("branch E1 of plan demo-small on ") && out.contains(": 3 items"),
        "{out}"
    );
    // 40 % of the reported two thirds: at least 26.7 % of the whole.
    assert!(
        out.contains("progress at least 26.7%") && out.contains("40.0% of the reported part"),
        "{out}"
    );
    let (code, out, _) = run(&["check", "rollups", "--data", data]);
    assert_eq!(code, 0);
    assert!(
        out.contains("every stored rollup equals the full recompute"),
        "{out}"
    );
}

fn run_with_stdin(args: &[&str], input: &str) -> (i32, String, String) {
    let mut child = tuijin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn users_and_tokens_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    run(&[
        "plan",
        "import",
        &fixture("small.toml"),
        "--data",
        data,
        "--init",
    ]);
    let (code, out, err) = run_with_stdin(
        &[
            "user",
            "add",
            "clerk",
            "--role",
            "unit",
            "--unit",
            "JTW",
            "--password-stdin",
            "--data",
            data,
        ],
        "a long enough pass\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("user clerk added as unit for JTW"), "{out}");
    let (code, _, err) = run(&["user", "add", "boss", "--role", "mayor", "--data", data]);
    assert_eq!(code, 1);
    assert!(err.contains("--role `mayor`"), "{err}");
    let (code, _, err) = run_with_stdin(
        &[
            "user",
            "add",
            "weak",
            "--role",
            "leader",
            "--password-stdin",
            "--data",
            data,
        ],
        "short\n",
    );
    assert_eq!(code, 1);
    assert!(err.contains("at least 12 characters"), "{err}");
    let (code, token, err) = run(&[
        "token", "create", "clerk", "--label", "excel", "--data", data,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(token.trim().starts_with("tj_"), "{token}");
    assert!(err.contains("shown only now"));
    let (_, list, _) = run(&["token", "list", "--data", data]);
    assert!(
        list.contains("clerk") && list.contains("excel") && !list.contains(token.trim()),
        "the list never shows the token: {list}"
    );
    let (code, out, _) = run(&["token", "revoke", "1", "--data", data]);
    assert_eq!(code, 0);
    assert!(out.contains("revoked"));
    let (_, users, _) = run(&["user", "list", "--data", data]);
    assert!(
        users.contains("clerk") && users.contains("active"),
        "{users}"
    );
}

/// Ends a child process however the test ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn settings_come_from_a_file_under_the_environment_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    let from_file = dir.path().join("from-file");
    let from_env = dir.path().join("from-env");
    let cfg = dir.path().join("tuijin.toml");
    std::fs::write(
        &cfg,
        format!(
            "# the office's settings\ndata = \"{}\"\nsession_idle_minutes = 20\n",
            from_file.display()
        ),
    )
    .unwrap();
    let cfg = cfg.to_str().unwrap();
    // The file's data folder is used…
    let (code, _, err) = run(&[
        "plan",
        "import",
        &fixture("small.toml"),
        "--config",
        cfg,
        "--init",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(from_file.join("tuijin.db").exists());
    // …unless the environment says otherwise…
    let out = tuijin()
        .env("TUIJIN_DATA", &from_env)
        .args([
            "plan",
            "import",
            &fixture("small.toml"),
            "--config",
            cfg,
            "--init",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(from_env.join("tuijin.db").exists());
    // …and a flag beats both.
    let from_flag = dir.path().join("from-flag");
    let out = tuijin()
        .env("TUIJIN_DATA", &from_env)
        .args([
            "plan",
            "import",
            &fixture("small.toml"),
            "--config",
            cfg,
            "--init",
        ])
        .args(["--data", from_flag.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(from_flag.join("tuijin.db").exists());
    // A bad file is refused with its place; an unknown key too, by name.
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "bind = \"127.0.0.1:9\"\nsession_idle_minutes = \"soon\"\n",
    )
    .unwrap();
    let (code, _, err) = run(&[
        "plan",
        "import",
        &fixture("small.toml"),
        "--config",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("bad.toml:2:"), "{err}");
    std::fs::write(&bad, "dta = \"x\"\n").unwrap();
    let (code, _, err) = run(&[
        "plan",
        "import",
        &fixture("small.toml"),
        "--config",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("bad.toml:1:1") && err.contains("dta"), "{err}");
}

/// `tuijin status … | head -1`: the reader goes away after the first line; the command ends
/// quietly and successfully, without a panic on the closed pipe.
#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    run(&[
        "plan",
        "import",
        &fixture("small.toml"),
        "--data",
        data,
        "--init",
    ]);
    let mut child = tuijin()
        .args(["status", "--plan", "demo-small", "--data", data])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end at once, as `head` does after its lines.
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert!(status.success(), "{status:?}: {err}");
}

/// Starts the demo in `dir` on `today`, waits for its banner and returns the process, its
/// address and what it printed.
fn start_demo(dir: &std::path::Path, today: &str) -> (KillOnDrop, String, Vec<String>) {
    let mut child = tuijin()
        .current_dir(dir)
        .args(["demo", "--bind", "127.0.0.1:0", "--today", today])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let guard = KillOnDrop(child);
    let mut lines = BufReader::new(stdout).lines();
    let mut printed = Vec::new();
    let mut addr = None;
    while !printed
        .last()
        .is_some_and(|l: &String| l.contains("public part"))
    {
        let line = lines.next().expect("demo printed its banner").unwrap();
        if let Some(rest) = line.trim().strip_prefix("open http://") {
            addr = Some(rest.trim_end_matches('/').to_string());
        }
        printed.push(line);
    }
    (guard, addr.expect("demo printed its URL"), printed)
}

/// The acceptance case of supervision notices: issued through the API on the demo's
/// 2020-06-30, blue, on E1.1 to its lead unit, due 2020-07-10; served again on 2020-07-13 the
/// same notice is yellow, and says when it rose.
#[test]
fn a_notice_rises_a_level_when_its_reply_is_late() {
    let dir = tempfile::tempdir().unwrap();
    let (demo, addr, printed) = start_demo(dir.path(), "2020-06-30");
    let token = printed
        .iter()
        .find_map(|l| l.trim().strip_prefix("API token of office (shown once): "))
        .expect("the demo prints a token")
        .to_string();
    let lead = http_get_as(&addr, "/api/v1/plans/zz-ncc-2017/items/E1.1", &token);
    let lead_unit = lead
        .split("\"lead\":\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("E1.1 has a lead unit")
        .to_string();
    let body = format!(
        r#"{{"items":["E1.1"],"units":["{lead_unit}"],"level":"blue","title":"地铁建设进度滞后","actions":"7月10日前报送赶工方案","reply_by":"2020-07-10"}}"#
    );
    let mut s = TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "POST /api/v1/plans/zz-ncc-2017/notices HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    assert!(answer.contains("\"level\":\"blue\""), "{answer}");
    let id = answer
        .split("\"id\":")
        .nth(1)
        .and_then(|r| r.split(',').next())
        .unwrap()
        .to_string();
    drop(demo);
    let (_demo, addr, _) = start_demo(dir.path(), "2020-07-13");
    let n = http_get_as(&addr, &format!("/api/v1/notices/{id}"), &token);
    assert!(n.starts_with("HTTP/1.1 200"), "{n}");
    assert!(n.contains("\"level\":\"yellow\""), "{n}");
    assert!(n.contains("\"level_issued\":\"blue\""), "{n}");
    assert!(
        n.contains("\"rises\":[{\"on\":\"2020-07-11\",\"level\":\"yellow\",\"copied\":"),
        "{n}"
    );
    assert!(n.contains("\"overdue\":true"), "{n}");
    assert!(n.contains("\"kind\":\"notice.issued\""), "the trail: {n}");
}
