//! A browser against the router in-process: cookies kept between requests, forms posted,
//! every cookie checked for HttpOnly and SameSite. Shared by the page and security tests.
#![allow(dead_code)] // not every test file uses every helper

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt;
use tuijin_store::testing::TestDb;
use tuijin_web::{AppState, router};

pub const PASSWORD: &str = "a long test password";

pub struct Site {
    pub db: TestDb,
    pub app: axum::Router,
}

/// A browser: its cookies, and what it last read.
#[derive(Default, Clone)]
pub struct Browser {
    pub cookies: HashMap<String, String>,
}

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub headers: axum::http::HeaderMap,
    pub html: String,
}

impl Page {
    /// The anti-forgery token of the page's first form.
    pub fn csrf(&self) -> String {
        let at = self
            .html
            .find("name=\"csrf\" value=\"")
            .unwrap_or_else(|| panic!("no form token in {}", self.html));
        let rest = &self.html[at + 19..];
        rest[..rest.find('"').unwrap()].to_string()
    }
}

impl Site {
    pub async fn all() -> Vec<Site> {
        Self::with_rules(tuijin_core::policy::SessionRules::default()).await
    }

    pub async fn with_rules(rules: tuijin_core::policy::SessionRules) -> Vec<Site> {
        Self::configured(|state| state.rules = rules).await
    }

    /// The site on each backend with its state set up by `set` first.
    pub async fn configured(set: impl Fn(&mut AppState)) -> Vec<Site> {
        let mut out = Vec::new();
        for db in super::with_small_plan().await {
            super::add_users(&db.store, Some(PASSWORD)).await;
            let clock = super::today();
            let mut state = AppState::new(db.store.clone(), clock, true);
            set(&mut state);
            out.push(Site {
                app: router(state),
                db,
            });
        }
        out
    }

    pub async fn request(
        &self,
        b: &mut Browser,
        method: &str,
        uri: &str,
        form: &[(&str, &str)],
    ) -> Page {
        let mut req = Request::builder().method(method).uri(uri);
        if !b.cookies.is_empty() {
            let c: Vec<String> = b.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            req = req.header(header::COOKIE, c.join("; "));
        }
        let body = if method == "POST" {
            req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            let enc: Vec<String> = form
                .iter()
                .map(|(k, v)| format!("{k}={}", urlencode(v)))
                .collect();
            Body::from(enc.join("&"))
        } else {
            Body::empty()
        };
        self.send(b, req.body(body).unwrap()).await
    }

    /// Posts a form that takes files (multipart), with the session's cookies.
    pub async fn upload(
        &self,
        b: &mut Browser,
        uri: &str,
        form: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Page {
        let boundary = "site-test-boundary";
        let mut body = Vec::new();
        for (k, v) in form {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        for (field, name, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let mut req = Request::builder().method("POST").uri(uri).header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        );
        if !b.cookies.is_empty() {
            let c: Vec<String> = b.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            req = req.header(header::COOKIE, c.join("; "));
        }
        self.send(b, req.body(Body::from(body)).unwrap()).await
    }

    async fn send(&self, b: &mut Browser, req: Request<Body>) -> Page {
        let res = self.app.clone().oneshot(req).await.unwrap();
        for v in res.headers().get_all(header::SET_COOKIE) {
            let s = v.to_str().unwrap();
            let pair = s.split(';').next().unwrap();
            let (k, val) = pair.split_once('=').unwrap();
            if val.is_empty() || s.contains("Max-Age=0") {
                b.cookies.remove(k);
            } else {
                b.cookies.insert(k.to_string(), val.to_string());
            }
            assert!(s.contains("HttpOnly"), "{s}");
            assert!(s.contains("SameSite=Lax"), "{s}");
        }
        let status = res.status();
        let headers = res.headers().clone();
        let location = res
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string());
        let bytes = axum::body::to_bytes(res.into_body(), 10 << 20)
            .await
            .unwrap();
        Page {
            status,
            location,
            headers,
            html: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, b: &mut Browser, uri: &str) -> Page {
        self.request(b, "GET", uri, &[]).await
    }

    pub async fn log_in(&self, name: &str) -> Browser {
        let mut b = Browser::default();
        let form = self.get(&mut b, "/login").await;
        let csrf = form.csrf();
        let p = self
            .request(
                &mut b,
                "POST",
                "/login",
                &[
                    ("csrf", &csrf),
                    ("name", name),
                    ("password", PASSWORD),
                    ("next", "/"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{name}: {}", p.html);
        assert!(b.cookies.contains_key("tj_session"), "{name}");
        b
    }
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
