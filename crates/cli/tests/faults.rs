//! Faults as an operator meets them, against the real binary: the server killed with SIGKILL
//! at random moments under writers, the disk filling up, PostgreSQL restarting, many writers
//! at once, and a backup restored elsewhere. Every acknowledged write must be there afterwards,
//! no request may end in a 5xx other than 503 "storage unavailable", and the data must pass the
//! integrity check. Each test prints its figures.
//!
//! Slow and needing root for a tmpfs, so not part of `cargo test --workspace`: `.ci/run` runs
//! `cargo test -p tuijin --features fault-tests --test faults -- --test-threads 1 --nocapture`.
//! With `TUIJIN_TEST_DATABASE_URL` set the tests run on PostgreSQL too; with
//! `TUIJIN_FAULTS_PG_RESTART` set to a command that restarts that server (CI:
//! `pg_ctlcluster 15 main restart`), the restart test runs.

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tuijin_store::testing::TestDb;
use tuijin_store::{CheckStore, DatabaseUrl, ProgressStore, ReportStore, Store};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_tuijin")
}

/// The binary, with the database given as `--data DIR` or `--database-url URL` passed through
/// the environment (so it applies to whichever subcommand follows).
fn tuijin(db: &[String]) -> Command {
    let mut c = Command::new(bin());
    c.env_remove("TUIJIN_DATABASE_URL")
        .env_remove("TUIJIN_CONFIG")
        .env_remove("TUIJIN_DATA")
        .env("TUIJIN_LOG", "warn");
    match db {
        [flag, v] if flag == "--data" => {
            c.env("TUIJIN_DATA", v);
        }
        [flag, v] if flag == "--database-url" => {
            c.env("TUIJIN_DATABASE_URL", v);
        }
        [] => {}
        other => panic!("database arguments {other:?}"),
    }
    c
}

fn ok(c: &mut Command) -> String {
    let out = c.stdin(Stdio::null()).output().unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}",
        c,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A database with a generated plan, a unit user for every unit, an office user, their tokens
/// and the leaves to report on.
struct Setup {
    dir: tempfile::TempDir,
    /// The database arguments of every command: `--data DIR` or `--database-url URL`.
    db: Vec<String>,
    url: DatabaseUrl,
    leaves: PathBuf,
    unit_token: String,
    office_token: String,
    _pg: Option<TestDb>,
}

impl Setup {
    fn sqlite() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        Self::with(
            dir,
            vec!["--data".into(), data.display().to_string()],
            DatabaseUrl::in_data_dir(&data),
            None,
        )
    }

    fn sqlite_in(dir: tempfile::TempDir, data: &Path) -> Setup {
        Self::with(
            dir,
            vec!["--data".into(), data.display().to_string()],
            DatabaseUrl::in_data_dir(data),
            None,
        )
    }

    fn postgres() -> Option<Setup> {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let pg = rt.block_on(TestDb::postgres())?;
        let url = pg.url.clone();
        let DatabaseUrl::Postgres(u) = &url else {
            unreachable!()
        };
        let db = vec!["--database-url".into(), u.clone()];
        Some(Self::with(tempfile::tempdir().unwrap(), db, url, Some(pg)))
    }

    fn with(
        dir: tempfile::TempDir,
        db: Vec<String>,
        url: DatabaseUrl,
        pg: Option<TestDb>,
    ) -> Setup {
        let plan = dir.path().join("plan.toml");
        ok(tuijin(&[]).args([
            "plan",
            "generate",
            "--items",
            "2000",
            "--depth",
            "4",
            "--units",
            "10",
            "--code",
            "gen",
            "-o",
            plan.to_str().unwrap(),
        ]));
        ok(tuijin(&db).args(["plan", "import", plan.to_str().unwrap(), "--init"]));
        let leaves = dir.path().join("leaves.txt");
        ok(tuijin(&db).args([
            "dev",
            "leaves",
            "--plan",
            "gen",
            "-o",
            leaves.to_str().unwrap(),
        ]));
        let mut add = tuijin(&db);
        add.args(["user", "add", "clerk", "--role", "unit"]);
        for u in 0..10 {
            add.args(["--unit", &format!("U{u}")]);
        }
        ok(&mut add);
        ok(tuijin(&db).args(["user", "add", "office", "--role", "office"]));
        let unit_token = ok(tuijin(&db).args(["token", "create", "clerk"]));
        let office_token = ok(tuijin(&db).args(["token", "create", "office"]));
        Setup {
            dir,
            db,
            url,
            leaves,
            unit_token,
            office_token,
            _pg: pg,
        }
    }

    fn acks(&self) -> PathBuf {
        self.dir.path().join("acks.jsonl")
    }
}

fn free_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// A running server, killed with SIGKILL when dropped (or on purpose).
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(s: &Setup) -> Server {
        Self::start_with(s, None)
    }

    /// Starts with a settings file.
    fn start_with(s: &Setup, config: Option<&Path>) -> Server {
        let addr = free_port();
        let mut cmd = tuijin(&s.db);
        if let Some(c) = config {
            cmd.env("TUIJIN_CONFIG", c);
        }
        // The server's log goes to the setup's folder, appended across restarts, so a failure
        // (a 5xx counted) can show what the server said (`server_errors`).
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(s.dir.path().join("server.log"))
            .unwrap();
        let child = cmd
            .args(["serve", "--bind", &addr.to_string(), "--log-format", "text"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        while get(addr, "/healthz").is_none() {
            assert!(Instant::now() < deadline, "the server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Server { child, addr }
    }

    fn kill(&mut self) {
        let _ = self.child.kill(); // SIGKILL
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A GET: status and body, or `None` when nothing answers.
fn get(addr: SocketAddr, path: &str) -> Option<(u16, String)> {
    get_as(addr, path, None)
}

fn get_as(addr: SocketAddr, path: &str, token: Option<&str>) -> Option<(u16, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{auth}\r\n"
    )
    .ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, body.to_string()))
}

/// Starts `tuijin dev load` against the server; returns the child (its summary on stdout).
fn load(s: &Setup, addr: SocketAddr, clients: usize, millis: u64, seed: u64) -> Child {
    tuijin(&[])
        .args([
            "dev",
            "load",
            "--server",
            &addr.to_string(),
            "--plan",
            "gen",
            "--leaves",
            s.leaves.to_str().unwrap(),
            "--clients",
            &clients.to_string(),
            "--millis",
            &millis.to_string(),
            "--seed",
            &seed.to_string(),
            "--acks",
            s.acks().to_str().unwrap(),
        ])
        .env("TUIJIN_LOAD_UNIT_TOKEN", &s.unit_token)
        .env("TUIJIN_LOAD_OFFICE_TOKEN", &s.office_token)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

fn summary(child: Child) -> Value {
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "load failed");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Adds a summary's counts into a running total.
fn add(total: &mut HashMap<String, u64>, v: &Value) {
    for k in ["requests", "server_errors", "connection_errors", "accepted"] {
        *total.entry(k.into()).or_default() += v[k].as_u64().unwrap_or(0);
    }
    for (code, n) in v["statuses"].as_object().unwrap() {
        *total.entry(format!("status {code}")).or_default() += n.as_u64().unwrap();
    }
}

/// Every write the server acknowledged is in the database, at least as far as acknowledged;
/// and the database passes the integrity check. Returns (acknowledged reports, found).
fn check_acks(s: &Setup) -> (usize, usize) {
    let mut last: HashMap<i64, (String, i64)> = HashMap::new();
    if let Ok(text) = std::fs::read_to_string(s.acks()) {
        for line in text.lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            let id = v["id"].as_i64().unwrap();
            let state = v["state"].as_str().unwrap().to_string();
            let version = v["version"].as_i64().unwrap();
            let e = last.entry(id).or_insert((state.clone(), version));
            if version >= e.1 {
                *e = (state, version);
            }
        }
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = Store::open(&s.url).await.unwrap();
        let mut found = 0;
        for (id, (state, version)) in &last {
            let r = store
                .get_report(*id)
                .await
                .unwrap_or_else(|e| panic!("acknowledged report #{id} ({state}) is lost: {e}"));
            let got = r.state.as_str();
            let at_least = match state.as_str() {
                "draft" => true,
                "submitted" => got != "draft",
                // A later accepted report of the same item, period and unit supersedes it.
                _ => got == "accepted" || got == "superseded",
            };
            assert!(
                at_least && r.version >= *version,
                "report #{id}: acknowledged {state} v{version}, found {got} v{}",
                r.version
            );
            found += 1;
        }
        let report = store.check_integrity().await.unwrap();
        assert!(report.ok(), "integrity after the faults: {report:?}");
        store.close().await.unwrap();
        (last.len(), found)
    })
}

fn kill_cycles(s: &Setup, label: &str) {
    let cycles = 20;
    let mut total = HashMap::new();
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    for cycle in 0..cycles {
        let mut server = Server::start(s);
        let client = load(s, server.addr, 4, 1500, cycle + 1);
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        std::thread::sleep(Duration::from_millis(250 + rng % 1000));
        server.kill();
        add(&mut total, &summary(client));
    }
    let (acked, found) = check_acks(s);
    println!(
        "[faults] {label}: {cycles} SIGKILL cycles, 4 clients: {} requests, {} accepted, 5xx {}, \
         failed connections {} (the kills); acknowledged reports {acked}, found {found}",
        total["requests"], total["accepted"], total["server_errors"], total["connection_errors"]
    );
    assert_eq!(total["server_errors"], 0, "{total:?}");
    assert_eq!(acked, found);
    assert!(total["accepted"] > 0);
}

#[test]
fn a_killed_server_loses_nothing_it_acknowledged() {
    kill_cycles(&Setup::sqlite(), "sqlite");
    if let Some(pg) = Setup::postgres() {
        kill_cycles(&pg, "postgres");
    }
}

/// The ERROR lines the setup's servers logged: what a counted 5xx was.
fn server_errors(s: &Setup) -> String {
    std::fs::read_to_string(s.dir.path().join("server.log"))
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("ERROR"))
        .take(20)
        .collect::<Vec<_>>()
        .join("\n")
}

fn writers(s: &Setup, label: &str) {
    let server = Server::start(s);
    let v = summary(load(s, server.addr, 8, 10_000, 7));
    drop(server);
    let (acked, found) = check_acks(s);
    println!(
        "[faults] {label}: 8 writers for 10 s, create → submit → accept: {} requests, {} accepted \
         ({:.0}/s, flow p99 {:.0} ms), statuses {}, 5xx {}; acknowledged {acked}, found {found}",
        v["requests"],
        v["accepted"],
        v["accepted_per_second"].as_f64().unwrap(),
        v["flow_p99_ms"].as_f64().unwrap(),
        v["statuses"],
        v["server_errors"]
    );
    assert_eq!(
        v["server_errors"],
        0,
        "{v}\nthe server said:\n{}",
        server_errors(s)
    );
    assert_eq!(v["connection_errors"], 0, "{v}");
    assert!(v["accepted"].as_u64().unwrap() > 0);
    assert_eq!(acked, found);
}

#[test]
fn eight_writers_wait_for_each_other_and_never_fail() {
    writers(&Setup::sqlite(), "sqlite");
    if let Some(pg) = Setup::postgres() {
        writers(&pg, "postgres");
    }
}

/// Two servers on one database, under writers on both: every acknowledged write is there,
/// rollups are consistent, each server reads what the other wrote, and the warnings'
/// re-evaluation runs once per slot among them — and goes on in the other when one dies.
fn two_servers(s: &Setup, label: &str) {
    let config = s.dir.path().join("two.toml");
    std::fs::write(&config, "warning_refresh_seconds = 1\n").unwrap();
    let mut a = Server::start_with(s, Some(&config));
    let b = Server::start_with(s, Some(&config));
    let (pid_a, pid_b) = (a.child.id(), b.child.id());
    let on_a = load(s, a.addr, 2, 4_000, 11);
    let on_b = load(s, b.addr, 2, 4_000, 12);
    let (va, vb) = (summary(on_a), summary(on_b));
    for v in [&va, &vb] {
        assert_eq!(v["server_errors"], 0, "{v}\n{}", server_errors(s));
        assert_eq!(v["connection_errors"], 0, "{v}");
        assert!(v["accepted"].as_u64().unwrap() > 0, "{v}");
    }
    // Each server's view of the plan follows the other's writes.
    let progress = |addr| {
        get_as(addr, "/api/v1/plans/gen/progress", Some(&s.office_token))
            .map(|(st, body)| {
                assert_eq!(st, 200, "{body}");
                serde_json::from_str::<Value>(&body).unwrap()
            })
            .unwrap()
    };
    assert_eq!(
        progress(a.addr),
        progress(b.addr),
        "{label}: both servers agree"
    );
    let summary_of = |addr| {
        get_as(addr, "/api/v1/plans/gen/summary", Some(&s.office_token))
            .map(|(_, body)| serde_json::from_str::<Value>(&body).unwrap())
            .unwrap()
    };
    assert_eq!(
        summary_of(a.addr),
        summary_of(b.addr),
        "{label}: same summary"
    );
    let warnings = |addr| {
        get_as(
            addr,
            "/api/v1/warnings?plan=gen&limit=1000",
            Some(&s.office_token),
        )
        .map(|(st, body)| {
            assert_eq!(st, 200, "{body}");
            serde_json::from_str::<Value>(&body).unwrap()
        })
        .unwrap()
    };
    let (wa, wb) = (warnings(a.addr), warnings(b.addr));
    assert_eq!(wa, wb, "{label}: the same warnings on both");
    assert!(
        !wa["items"].as_array().unwrap().is_empty(),
        "{label}: the re-evaluation raised warnings: {wa}"
    );
    // Kill one: the other goes on with the periodic job (at once, or once a run the dead
    // server left unfinished is past its lease of four periods).
    a.kill();
    std::thread::sleep(Duration::from_millis(7_000));
    let (acked, found) = check_acks(s);
    assert_eq!(acked, found);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let claims = rt.block_on(async {
        let store = Store::open(&s.url).await.unwrap();
        let problems = store.check_rollups("gen").await.unwrap();
        assert!(problems.is_empty(), "{label}: rollups {problems:?}");
        let c = store.job_claims("warning-refresh").await.unwrap();
        store.close().await.unwrap();
        c
    });
    let by = |pid: u32| {
        claims
            .iter()
            .filter(|(_, who, _, _)| who.split(':').nth(1) == Some(&pid.to_string()))
            .count()
    };
    let slots: std::collections::HashSet<i64> =
        claims.iter().map(|(slot, _, _, _)| *slot).collect();
    // No run began before the one before it had ended (a run the killed server left
    // unfinished excepted: its lease ran out).
    for w in claims.windows(2) {
        if let (Some(done), started) = (w[0].3, w[1].2) {
            assert!(started >= done, "{label}: runs overlap: {w:?}");
        }
    }
    println!(
        "[faults] {label}: two servers, 2 writers each for 4 s: {} + {} accepted, 5xx 0; \
         acknowledged {acked}, found {found}; warnings re-evaluated in {} one-second slots \
         ({} by the first server, {} by the second), each once",
        va["accepted"],
        vb["accepted"],
        claims.len(),
        by(pid_a),
        by(pid_b)
    );
    assert_eq!(slots.len(), claims.len(), "one run per slot");
    assert_eq!(by(pid_a) + by(pid_b), claims.len(), "{claims:?}");
    assert!(claims.len() >= 6, "about one run a second: {claims:?}");
    let last = claims.last().unwrap();
    assert_eq!(
        last.1.split(':').nth(1),
        Some(pid_b.to_string().as_str()),
        "after the first server died the second ran the job: {claims:?}"
    );
    drop(b);
}

#[test]
fn two_servers_share_one_database() {
    two_servers(&Setup::sqlite(), "sqlite");
    if let Some(pg) = Setup::postgres() {
        two_servers(&pg, "postgres");
    }
}

/// Mounts a small tmpfs (as root); unmounts it when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Tmpfs {
        std::fs::create_dir_all(at).unwrap();
        let st = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size}"),
                "tmpfs",
                at.to_str().unwrap(),
            ])
            .status()
            .unwrap();
        assert!(
            st.success(),
            "mounting a tmpfs needs root (CI runs as root)"
        );
        Tmpfs(at.to_path_buf())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Fills the file system of `dir` until it refuses more; returns the filler's path.
fn fill(dir: &Path) -> PathBuf {
    use std::io::Write;
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let block = vec![0u8; 64 * 1024];
    while f.write_all(&block).is_ok() {}
    let _ = f.sync_all();
    path
}

#[test]
fn a_full_disk_answers_503_saves_no_phantom_and_recovers_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("small");
    let _fs = Tmpfs::mount(&mnt, "40m");
    let data = mnt.join("data");
    let s = Setup::sqlite_in(dir, &data);
    // On a 40 MB disk the usual 100 MB threshold would always say degraded.
    let config = s.dir.path().join("tuijin.toml");
    std::fs::write(&config, "min_free_mb = 1\n").unwrap();
    let server = Server::start_with(&s, Some(&config));
    // Some writes while there is room.
    let before = summary(load(&s, server.addr, 2, 1500, 11));
    let filler = fill(&mnt);
    let full = summary(load(&s, server.addr, 4, 3000, 12));
    let (_, health) = get(server.addr, "/healthz").unwrap();
    let health: Value = serde_json::from_str(&health).unwrap();
    // A backup onto the full disk fails plainly and leaves nothing behind.
    let out = mnt.join("full.tjbk");
    let backup = tuijin(&s.db)
        .args(["backup", "-o"])
        .arg(&out)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!backup.status.success(), "a backup onto a full disk fails");
    assert!(
        !out.exists() && !out.with_extension("partial").exists(),
        "no partial backup left"
    );
    // Room again: writes recover without a restart.
    std::fs::remove_file(&filler).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let after = summary(load(&s, server.addr, 2, 2000, 13));
    let (_, health_after) = get(server.addr, "/healthz").unwrap();
    drop(server);
    let (acked, found) = check_acks(&s);
    let statuses = |v: &Value| v["statuses"].to_string();
    println!(
        "[faults] disk full (tmpfs 40 MB): before {}, full {} (health: {}), after {} (health: {}); \
         acknowledged {acked}, found {found}",
        statuses(&before),
        statuses(&full),
        health["status"],
        statuses(&after),
        serde_json::from_str::<Value>(&health_after).unwrap()["status"]
    );
    let full_statuses = full["statuses"].as_object().unwrap();
    let errors_not_503: u64 = full_statuses
        .iter()
        .filter(|(k, _)| k.starts_with('5') && *k != "503")
        .map(|(_, n)| n.as_u64().unwrap())
        .sum();
    assert_eq!(errors_not_503, 0, "only 503 while the disk is full: {full}");
    assert!(
        full_statuses.contains_key("503"),
        "the full disk was met: {full}"
    );
    assert_eq!(health["status"], "degraded", "{health}");
    assert!(
        after["accepted"].as_u64().unwrap() > 0,
        "writes recovered: {after}"
    );
    assert_eq!(after["server_errors"], 0, "{after}");
    assert_eq!(
        serde_json::from_str::<Value>(&health_after).unwrap()["status"],
        "ok",
        "{health_after}"
    );
    assert_eq!(acked, found, "no phantom save");
}

#[test]
fn a_restarting_postgresql_fails_requests_cleanly_and_tuijin_recovers() {
    let Ok(restart) = std::env::var("TUIJIN_FAULTS_PG_RESTART") else {
        println!("[faults] postgres restart: TUIJIN_FAULTS_PG_RESTART not set, nothing to restart");
        return;
    };
    let s = Setup::postgres().expect("TUIJIN_TEST_DATABASE_URL names the server to restart");
    let server = Server::start(&s);
    let client = load(&s, server.addr, 4, 8000, 21);
    std::thread::sleep(Duration::from_millis(1500));
    let st = Command::new("sh").args(["-c", &restart]).status().unwrap();
    assert!(st.success(), "{restart}");
    let during = summary(client);
    let after = summary(load(&s, server.addr, 2, 2000, 22));
    drop(server);
    let (acked, found) = check_acks(&s);
    println!(
        "[faults] postgres restart: during {}, after {}; acknowledged {acked}, found {found}",
        during["statuses"], after["statuses"]
    );
    let not_503: u64 = during["statuses"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with('5') && *k != "503")
        .map(|(_, n)| n.as_u64().unwrap())
        .sum();
    assert_eq!(not_503, 0, "{during}");
    assert!(
        after["accepted"].as_u64().unwrap() > 0,
        "recovered: {after}"
    );
    assert_eq!(after["server_errors"], 0);
    assert_eq!(acked, found);
}

/// The answers a client sees, for comparing two servers.
fn answers(addr: SocketAddr, token: &str) -> Vec<(String, u16, String)> {
    let mut urls: Vec<String> = [
        "/api/v1/plans",
        "/api/v1/plans/gen",
        "/api/v1/plans/gen/summary",
        "/api/v1/plans/gen/progress",
        "/api/v1/plans/gen/periods",
        "/api/v1/items?plan=gen&limit=200",
        "/api/v1/units",
        "/api/v1/warnings?limit=500",
        "/api/v1/reports?limit=1000",
        "/api/v1/plans/gen/compare?from=2020-03-01&to=2020-09-01",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for code in ["G0", "G1", "G7", "G50", "G500", "G1999"] {
        urls.push(format!("/api/v1/plans/gen/items/{code}"));
        urls.push(format!("/api/v1/plans/gen/items/{code}/explain"));
        urls.push(format!("/api/v1/plans/gen/items/{code}/timeline"));
        urls.push(format!("/api/v1/plans/gen/items/{code}/subtree"));
    }
    urls.into_iter()
        .map(|u| {
            let (s, b) = get_as(addr, &u, Some(token)).unwrap();
            (u, s, b)
        })
        .collect()
}

#[test]
fn a_backup_restored_elsewhere_answers_every_request_the_same() {
    let src = Setup::sqlite();
    let server = Server::start(&src);
    summary(load(&src, server.addr, 4, 3000, 31));
    let before = answers(server.addr, &src.office_token);
    assert!(
        before.iter().all(|(_, s, _)| *s == 200),
        "{:?}",
        before.iter().map(|a| (&a.0, a.1)).collect::<Vec<_>>()
    );
    drop(server);
    let file = src.dir.path().join("b.tjbk");
    ok(tuijin(&src.db).args(["backup", "-o", file.to_str().unwrap()]));
    // Into a new SQLite data folder, and into PostgreSQL when there is one; and back again.
    let copy = src.dir.path().join("copy");
    let mut targets = vec![vec!["--data".to_string(), copy.display().to_string()]];
    let rt = tokio::runtime::Runtime::new().unwrap();
    let pg = rt.block_on(TestDb::postgres());
    if let Some(pg) = &pg {
        let DatabaseUrl::Postgres(u) = &pg.url else {
            unreachable!()
        };
        targets.push(vec!["--database-url".into(), u.clone()]);
    }
    for t in &targets {
        ok(tuijin(t).args(["restore", file.to_str().unwrap()]));
        let restored = Setup {
            dir: tempfile::tempdir().unwrap(),
            db: t.clone(),
            url: DatabaseUrl::in_data_dir(&copy),
            leaves: src.leaves.clone(),
            unit_token: src.unit_token.clone(),
            office_token: src.office_token.clone(),
            _pg: None,
        };
        let server = Server::start(&restored);
        let after = answers(server.addr, &src.office_token);
        for (a, b) in before.iter().zip(&after) {
            assert_eq!(a, b, "{} differs after restoring into {t:?}", a.0);
        }
        println!(
            "[faults] backup → restore into {}: {} API answers identical",
            t[0],
            after.len()
        );
    }
    if let Some(pg) = &pg {
        // PostgreSQL → SQLite: the way back.
        let DatabaseUrl::Postgres(u) = &pg.url else {
            unreachable!()
        };
        let pg_args = vec!["--database-url".to_string(), u.clone()];
        let back = src.dir.path().join("back.tjbk");
        ok(tuijin(&pg_args).args(["backup", "-o", back.to_str().unwrap()]));
        let home = src.dir.path().join("home");
        let home_args = vec!["--data".to_string(), home.display().to_string()];
        ok(tuijin(&home_args).args(["restore", back.to_str().unwrap()]));
        let restored = Setup {
            dir: tempfile::tempdir().unwrap(),
            db: home_args,
            url: DatabaseUrl::in_data_dir(&home),
            leaves: src.leaves.clone(),
            unit_token: src.unit_token.clone(),
            office_token: src.office_token.clone(),
            _pg: None,
        };
        let server = Server::start(&restored);
        assert_eq!(
            before,
            answers(server.addr, &src.office_token),
            "PostgreSQL → SQLite"
        );
        println!("[faults] PostgreSQL → SQLite: every API answer identical");
    }
}
