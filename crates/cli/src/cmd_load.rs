//! `tuijin dev load`: clients that do what units and the office do on a reporting deadline —
//! each a loop of create → submit → accept on random leaves — against a running server, for
//! the fault tests (every acknowledged write must survive a killed server) and the writers
//! benchmark. A plain HTTP/1.1 client on std threads, so the measurement carries no client
//! framework of its own.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;
use serde::Serialize;

#[derive(Args)]
pub struct LoadArgs {
    /// The server, as host:port.
    #[arg(long)]
    pub server: SocketAddr,
    /// Plan code.
    #[arg(long)]
    pub plan: String,
    /// A file of `ITEM UNIT` lines: the leaves to report on and their lead units.
    #[arg(long)]
    pub leaves: PathBuf,
    /// A token of a unit user bound to every lead unit of the leaves.
    #[arg(long, env = "TUIJIN_LOAD_UNIT_TOKEN", hide_env_values = true)]
    pub unit_token: String,
    /// A token of an office user, who accepts.
    #[arg(long, env = "TUIJIN_LOAD_OFFICE_TOKEN", hide_env_values = true)]
    pub office_token: String,
    #[arg(long, default_value_t = 4)]
    pub clients: usize,
    /// How long to run, in milliseconds (at most, with `--flows`).
    #[arg(long, default_value_t = 10_000)]
    pub millis: u64,
    /// Stop once this many flows were accepted, across all clients (0: run for `--millis`).
    #[arg(long, default_value_t = 0)]
    pub flows: u64,
    /// Seed of the clients' choices.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where to write the writes the server acknowledged, one JSON line each.
    #[arg(long)]
    pub acks: Option<PathBuf>,
}

/// A write the server acknowledged: the report, the state it was left in, its version.
#[derive(Clone, Debug, Serialize)]
struct Ack {
    id: i64,
    state: String,
    version: i64,
}

#[derive(Default, Serialize)]
struct Summary {
    clients: usize,
    seconds: f64,
    requests: u64,
    /// Requests per status code; 0 for a connection that failed (the server was killed).
    statuses: BTreeMap<u16, u64>,
    server_errors: u64,
    connection_errors: u64,
    accepted: u64,
    accepted_per_second: f64,
    /// Latency of whole create → submit → accept flows, in milliseconds.
    flow_p50_ms: f64,
    flow_p99_ms: f64,
    /// Latency of single requests, in milliseconds.
    request_p50_ms: f64,
    request_p99_ms: f64,
}

struct Reply {
    status: u16,
    etag: Option<String>,
    body: String,
}

/// One HTTP/1.1 request on its own connection.
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> std::io::Result<Reply> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    let body = body.unwrap_or("");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        req.push_str("Content-Type: application/json\r\n");
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, rest) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no header end"))?;
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    let mut etag = None;
    let mut chunked = false;
    for line in head.lines().skip(1) {
        if let Some((k, v)) = line.split_once(':') {
            match k.trim().to_ascii_lowercase().as_str() {
                "etag" => etag = Some(v.trim().to_string()),
                "transfer-encoding" => chunked = v.trim().eq_ignore_ascii_case("chunked"),
                _ => {}
            }
        }
    }
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    Ok(Reply { status, etag, body })
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// A small deterministic generator (xorshift): the clients' choices repeat with their seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

struct Shared {
    summary: Summary,
    flows: Vec<f64>,
    requests: Vec<f64>,
    acks: Vec<Ack>,
}

pub fn run(a: LoadArgs) -> Result<()> {
    let leaves: Vec<(String, String)> = std::fs::read_to_string(&a.leaves)
        .with_context(|| format!("cannot read {}", a.leaves.display()))?
        .lines()
        .filter_map(|l| {
            let mut p = l.split_whitespace();
            Some((p.next()?.to_string(), p.next()?.to_string()))
        })
        .collect();
    if leaves.is_empty() {
        bail!("{}: no leaves", a.leaves.display());
    }
    let leaves = Arc::new(leaves);
    let stop = Arc::new(AtomicBool::new(false));
    let shared = Arc::new(Mutex::new(Shared {
        summary: Summary {
            clients: a.clients,
            ..Default::default()
        },
        flows: Vec::new(),
        requests: Vec::new(),
        acks: Vec::new(),
    }));
    let started = Instant::now();
    let mut handles = Vec::new();
    for c in 0..a.clients {
        let (leaves, stop, shared) = (leaves.clone(), stop.clone(), shared.clone());
        let (unit, office) = (
            format!("Bearer {}", a.unit_token),
            format!("Bearer {}", a.office_token),
        );
        let (addr, plan, a_flows) = (a.server, a.plan.clone(), a.flows);
        let mut rng =
            Rng(a.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ ((c as u64 + 1) * 0x2545_f491));
        handles.push(std::thread::spawn(move || {
            let note = |shared: &Mutex<Shared>, r: &std::io::Result<Reply>, t: Instant| {
                let mut s = shared.lock().expect("load lock");
                s.summary.requests += 1;
                s.requests.push(t.elapsed().as_secs_f64() * 1000.0);
                match r {
                    Ok(r) => {
                        *s.summary.statuses.entry(r.status).or_default() += 1;
                        if r.status >= 500 {
                            s.summary.server_errors += 1;
                        }
                    }
                    Err(_) => {
                        *s.summary.statuses.entry(0).or_default() += 1;
                        s.summary.connection_errors += 1;
                    }
                }
            };
            let flows = a_flows;
            while !stop.load(Ordering::Relaxed) {
                if flows > 0 && shared.lock().expect("load lock").summary.accepted >= flows {
                    break;
                }
                let flow = Instant::now();
                let (item, unit_code) = &leaves[rng.below(leaves.len())];
                let period = format!("2020-{:02}", 1 + rng.below(12));
                let percent = rng.below(101);
                let body = format!(
                    r#"{{"period":"{period}","unit":"{unit_code}","percent":{percent},"narrative":"负载测试","problems":"负载测试：随机数字"}}"#
                );
                let t = Instant::now();
                let r = http(
                    addr,
                    "POST",
                    &format!("/api/v1/plans/{plan}/items/{item}/reports"),
                    &[("Authorization", &unit)],
                    Some(&body),
                );
                note(&shared, &r, t);
                let Ok(created) = r else {
                    // Nobody answers (the server is down): try again shortly, not in a spin.
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                };
                if created.status != 201 {
                    continue;
                }
                let Some(id) = serde_json::from_str::<serde_json::Value>(&created.body)
                    .ok()
                    .and_then(|v| v["id"].as_i64())
                else {
                    continue;
                };
                let ack = |shared: &Mutex<Shared>, state: &str, etag: &Option<String>| {
                    let version = etag
                        .as_deref()
                        .and_then(|e| e.trim_matches('"').parse().ok())
                        .unwrap_or(0);
                    shared.lock().expect("load lock").acks.push(Ack {
                        id,
                        state: state.into(),
                        version,
                    });
                };
                ack(&shared, "draft", &created.etag);
                let etag = created.etag.unwrap_or_default();
                let t = Instant::now();
                let r = http(
                    addr,
                    "POST",
                    &format!("/api/v1/reports/{id}/submit"),
                    &[("Authorization", &unit), ("If-Match", &etag)],
                    None,
                );
                note(&shared, &r, t);
                let Ok(submitted) = r else { continue };
                if submitted.status != 200 {
                    continue;
                }
                ack(&shared, "submitted", &submitted.etag);
                let etag = submitted.etag.unwrap_or_default();
                let t = Instant::now();
                let r = http(
                    addr,
                    "POST",
                    &format!("/api/v1/reports/{id}/accept"),
                    &[("Authorization", &office), ("If-Match", &etag)],
                    None,
                );
                note(&shared, &r, t);
                if let Ok(accepted) = &r
                    && accepted.status == 200
                {
                    ack(&shared, "accepted", &accepted.etag);
                    let mut s = shared.lock().expect("load lock");
                    s.summary.accepted += 1;
                    s.flows.push(flow.elapsed().as_secs_f64() * 1000.0);
                }
            }
        }));
    }
    let deadline = started + Duration::from_millis(a.millis);
    while Instant::now() < deadline && !handles.iter().all(|h| h.is_finished()) {
        std::thread::sleep(Duration::from_millis(10));
    }
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        let _ = h.join();
    }
    let mut s = Arc::try_unwrap(shared)
        .map_err(|_| anyhow::anyhow!("clients still running"))?
        .into_inner()
        .expect("load lock");
    let secs = started.elapsed().as_secs_f64();
    s.summary.seconds = secs;
    s.summary.accepted_per_second = s.summary.accepted as f64 / secs;
    s.summary.flow_p50_ms = percentile(&mut s.flows, 0.5);
    s.summary.flow_p99_ms = percentile(&mut s.flows, 0.99);
    s.summary.request_p50_ms = percentile(&mut s.requests, 0.5);
    s.summary.request_p99_ms = percentile(&mut s.requests, 0.99);
    if let Some(path) = &a.acks {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        for ack in &s.acks {
            writeln!(f, "{}", serde_json::to_string(ack)?)?;
        }
    }
    out!("{}", serde_json::to_string(&s.summary)?);
    Ok(())
}
