//! Pages. Until the web interface lands, one start page that says what this server is, whether
//! it runs on sample data and a simulated date, and where the API is.

use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use tuijin_store::PlanStore;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(home))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn home(State(st): State<AppState>) -> Html<String> {
    let plans = st.store.list_plans().await.unwrap_or_default();
    let mut list = String::new();
    for p in &plans {
        list.push_str(&format!(
            "<li><a href=\"/api/v1/plans/{code}\">{zh}</a> — {en} ({n} 项 / items)</li>",
            code = escape(p.plan.code.as_str()),
            zh = escape(&p.plan.title.zh),
            en = escape(&p.plan.title.en),
            n = p.item_count
        ));
    }
    let banner = if st.demo {
        format!(
            "<p class=\"demo\">演示模式：样例数据，模拟日期 {today}。Demo mode: sample data, simulated today {today}.</p>",
            today = st.clock.today()
        )
    } else {
        String::new()
    };
    Html(format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>推进 Tuijin</title></head><body>\
         <h1>推进 Tuijin</h1>{banner}<h2>规划 Plans</h2><ul>{list}</ul>\
         <p>接口 API: <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a> · \
         <a href=\"/api/v1/items?kind=project\">/api/v1/items?kind=project</a> · \
         <a href=\"/healthz\">/healthz</a></p></body></html>"
    ))
}
