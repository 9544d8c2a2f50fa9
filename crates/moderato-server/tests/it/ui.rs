//! The console in process: sign-in, sessions, CSRF, escaping, a review through the page, history.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

use crate::support::{TestApp, default_version};

async fn form(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
    body: &str,
) -> (StatusCode, String, Option<String>, Option<String>) {
    let mut builder = Request::builder()
        .method("POST")
        .uri(path)
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        builder = builder.header("cookie", cookie);
    }
    let response = app
        .router
        .clone()
        .oneshot(builder.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .map(|value| value.to_str().unwrap().to_string());
    let cookie = response
        .headers()
        .get("set-cookie")
        .map(|value| value.to_str().unwrap().to_string());
    let text = String::from_utf8_lossy(&response.into_body().collect().await.unwrap().to_bytes())
        .into_owned();
    (status, text, location, cookie)
}

async fn page(app: &TestApp, path: &str, cookie: &str) -> (StatusCode, String) {
    let request = Request::builder()
        .uri(path)
        .header("cookie", cookie)
        .body(Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    (
        status,
        String::from_utf8_lossy(&response.into_body().collect().await.unwrap().to_bytes())
            .into_owned(),
    )
}

fn csrf_of(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    html[start..start + 68].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_sign_in_review_escaping_and_csrf() {
    let app = TestApp::new("sqlite").await;
    let text = "<script>alert(1)</script> \"><img src=x onerror=alert(2)> Let's kill them all";
    let (status, _) = app
        .post(
            "/v1/content",
            &app.ingest,
            json!({"id": "xss-1", "text": text, "author": {"id": "u1"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    // Make it reviewable: a report puts it in the reports queue.
    app.post(
        "/v1/reports",
        &app.ingest,
        json!({"content_id": "xss-1", "reason": "violent"}),
    )
    .await;

    let (status, _, location, _) = form(&app, "/ui/login", None, "token=mod_wrong").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{location:?}");
    let (_, _, location, cookie) =
        form(&app, "/ui/login", None, &format!("token={}", app.alice)).await;
    assert_eq!(location.as_deref(), Some("/ui"));
    let cookie = cookie.unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let cookie = cookie.split(';').next().unwrap().to_string();

    let (status, html) = page(&app, "/ui", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("reports"));
    let csrf = csrf_of(&html);

    // A form without the CSRF token is refused.
    let (status, _, _, _) =
        form(&app, "/ui/queues/reports/claim", Some(&cookie), "csrf=nope").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, _, location, _) = form(
        &app,
        "/ui/queues/reports/claim",
        Some(&cookie),
        &format!("csrf={csrf}"),
    )
    .await;
    let task_path = location.unwrap();
    assert!(task_path.starts_with("/ui/tasks/"), "{task_path}");
    let (status, html) = page(&app, &task_path, &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !html.contains("<script>alert(1)"),
        "user text must be escaped"
    );
    assert!(!html.contains("<img src=x"), "user text must be escaped");
    let shown = html
        .find("id=\"content\"")
        .map(|start| &html[start..start + 300])
        .unwrap_or_default();
    assert!(
        shown.contains("&lt;script&gt;alert(1)") || shown.contains("&#60;script&#62;alert(1)"),
        "escaped text is shown: {shown}"
    );
    assert!(html.contains("<mark>"), "evidence is highlighted");
    assert!(html.contains("Keyboard shortcuts"));

    let review = format!("{task_path}/review");
    let (status, _, _, _) =
        form(&app, &review, Some(&cookie), "choice=remove&reason=violent").await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "missing csrf field fails to parse"
    );
    let (status, _, location, _) = form(
        &app,
        &review,
        Some(&cookie),
        &format!("csrf={csrf}&choice=overturn&reason=quoted+song&dissent=unsure"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location:?}");
    let (status, html) = page(&app, &location.unwrap(), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("verifies"), "the chain mark is shown");
    assert!(
        html.contains("alice") && html.contains("review.completed"),
        "history shows the review"
    );

    // Policies and transparency pages.
    let (status, html) = page(&app, "/ui/policies", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&default_version()) && html.contains("active"),
        "versions are listed"
    );
    let (status, html) = page(
        &app,
        &format!("/ui/policies?a={v}&b={v}", v = default_version()),
        &cookie,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Rules changed"), "a comparison is shown");
    let (status, html) = page(&app, "/ui/transparency", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1>Transparency</h1>") && html.contains("Full report"));

    // Sign out ends the session.
    let (_, _, location, _) =
        form(&app, "/ui/logout", Some(&cookie), &format!("csrf={csrf}")).await;
    assert_eq!(location.as_deref(), Some("/ui/login"));
    let request = Request::builder()
        .uri("/ui")
        .header("cookie", &cookie)
        .body(Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.headers().get("location").unwrap(), "/ui/login");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_feed_renders_each_rung_and_takes_posts() {
    let dir = tempfile::tempdir().unwrap();
    let store = moderato_store::Store::open_data_dir(dir.path())
        .await
        .unwrap();
    let config = moderato_server::ServerConfig {
        demo: true,
        ..Default::default()
    };
    let state = moderato_server::prepare_state(store, config).await.unwrap();
    assert_eq!(moderato_server::ui::demo::seed(&state).await.unwrap(), 10);
    let router = moderato_server::app(state);
    let get = |router: axum::Router| async move {
        let response = router
            .oneshot(Request::builder().uri("/demo").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        String::from_utf8_lossy(&response.into_body().collect().await.unwrap().to_bytes())
            .into_owned()
    };
    let html = get(router.clone()).await;
    check_accessible("/demo", &html);
    // The public-interest notice: an interstitial naming the rule, a View control, interactions off but quote.
    let notice = html
        .split("<article")
        .find(|post| post.contains("data-action=\"public_interest_notice\""))
        .unwrap();
    assert!(notice.contains("<details class=\"screen\"><summary>This post broke the rule “Glorification of violence”"), "{notice}");
    assert!(
        notice.contains(">Reply</button>") && notice.matches("disabled title=").count() == 3,
        "{notice}"
    );
    assert!(!notice.contains("disabled title=\"Turned off because this post broke the rule “Glorification of violence”.\">Quote"));
    // A removed post is a tombstone that names the rule and never shows the text.
    let removed = html
        .split("<article")
        .find(|post| post.contains("data-action=\"remove, strike, suspend_account\""))
        .unwrap();
    assert!(
        removed.contains("removed for breaking the rule “Threats of violence”")
            && !removed.contains("I know where you live"),
        "{removed}"
    );
    // A context note with its correction link.
    assert!(html.contains("Voting by mail is secure") && html.contains("https://www.cisa.gov/"));
    // Issue 12 §18: follower counts with thousands separators.
    assert!(
        html.contains("head of state · 30,000,000 followers") && !html.contains("30000000"),
        "{html}"
    );

    let request = Request::builder()
        .method("POST")
        .uri("/demo/post")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("text=%3Cscript%3Ealert(1)%3C%2Fscript%3E+hello"))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cross_site = Request::builder()
        .method("POST")
        .uri("/demo/post")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("host", "moderato.example")
        .header("origin", "https://evil.example")
        .body(Body::from("text=hi"))
        .unwrap();
    assert_eq!(
        router.clone().oneshot(cross_site).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let html = get(router).await;
    assert!(
        !html.contains("<script>alert(1)") && html.contains("hello"),
        "a visitor's post is escaped"
    );
}

const THREAT: &str = "I know where you live and I'm going to kill you";
const LOOTING: &str = "These THUGS are dishonoring the memory of George Floyd. Any difficulty and we will assume control but, when the looting starts, the shooting starts!";

async fn sign_in(app: &TestApp, token: &str) -> (String, String) {
    let (_, _, location, cookie) = form(app, "/ui/login", None, &format!("token={token}")).await;
    assert_eq!(location.as_deref(), Some("/ui"));
    let cookie = cookie.unwrap().split(';').next().unwrap().to_string();
    let (_, html) = page(app, "/ui", &cookie).await;
    (cookie, csrf_of(&html))
}

/// `data-series="…" data-value="…"` pairs inside the SVG with this id, summed per series.
fn chart_values(html: &str, id: &str) -> std::collections::BTreeMap<String, u64> {
    let start = html
        .find(&format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{id}\""
        ))
        .unwrap_or_else(|| panic!("no chart {id}"));
    let svg = &html[start..start + html[start..].find("</svg>").unwrap()];
    let mut values = std::collections::BTreeMap::new();
    for part in svg.split("data-series=\"").skip(1) {
        let (series, rest) = part.split_once('"').unwrap();
        let value = rest
            .split("data-value=\"")
            .nth(1)
            .and_then(|value| value.split('"').next())
            .unwrap()
            .parse::<u64>()
            .unwrap();
        *values.entry(series.to_string()).or_default() += value;
    }
    values
}

fn rule_ids(decision: &serde_json::Value) -> Vec<String> {
    let mut ids: Vec<String> = decision["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule["id"].as_str().unwrap().to_string())
        .collect();
    ids.dedup();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transparency_charts_show_the_stored_counts() {
    let app = TestApp::new("sqlite").await;
    let mut decisions = Vec::new();
    for (id, text, author) in [
        ("t1", THREAT, json!({"id": "u1"})),
        ("t2", THREAT, json!({"id": "u2"})),
        ("g1", LOOTING, json!({"id": "u3"})),
        ("ok1", "Lovely day at the beach", json!({"id": "u4"})),
        (
            "hos-1",
            LOOTING,
            json!({"id": "potus", "followers": 30_000_000, "verified": true, "public_role": "head_of_state"}),
        ),
    ] {
        let (status, decision) = app
            .post(
                "/v1/content",
                &app.ingest,
                json!({"id": id, "text": text, "author": author, "metrics": {"views": 1_000_000, "velocity_per_hour": 50_000.0}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{decision}");
        decisions.push(decision);
    }
    assert_eq!(decisions[3]["action"], "allow");
    assert_eq!(decisions[4]["action"], "public_interest_notice");
    // Alice upholds the notice (a human decision), the author appeals, Bob reverses it.
    let (_, claimed) = app.get("/v1/queues/public_interest/next", &app.alice).await;
    let task = claimed["task"]["id"].as_i64().unwrap();
    let (status, upheld) = app
        .post(
            &format!("/v1/reviews/{task}"),
            &app.alice,
            json!({"outcome": "uphold", "reason": "newsworthy"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{upheld}");
    decisions.push(upheld.clone());
    let (status, _) = app
        .post("/v1/appeals", &app.ingest, json!({"decision_id": upheld["decision_id"], "appellant": "potus", "statement": "context"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, claimed) = app.get("/v1/queues/appeals/next", &app.bob).await;
    let task = claimed["task"]["id"].as_i64().unwrap();
    let (status, reversed) = app
        .post(
            &format!("/v1/reviews/{task}"),
            &app.bob,
            json!({"outcome": "overturn", "reason": "no violation in context"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{reversed}");
    decisions.push(reversed);

    // What the charts must show, from the decisions the API returned.
    let mut expected_rules = std::collections::BTreeMap::<String, u64>::new();
    for decision in decisions
        .iter()
        .filter(|decision| decision["action"] != "allow")
    {
        for rule in rule_ids(decision) {
            *expected_rules.entry(rule).or_default() += 1;
        }
    }
    assert!(expected_rules.len() >= 2, "{expected_rules:?}");
    let automated = decisions
        .iter()
        .filter(|decision| decision["automated"] == true)
        .count() as u64;
    assert_eq!(automated, 5);

    let (cookie, _) = sign_in(&app, &app.viewer).await;
    let (status, html) = page(&app, "/ui/transparency?days=7", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(chart_values(&html, "chart-rules"), expected_rules, "{html}");
    let automation = chart_values(&html, "chart-automation");
    assert_eq!(automation["automated"], 5);
    assert_eq!(automation["human"], 2);
    let appeals = chart_values(&html, "chart-appeals");
    assert_eq!(appeals["reversed"], 1);
    assert_eq!(appeals["upheld"], 0);
    assert_eq!(appeals["pending"], 0);
    assert!(html.contains("Reversal rate: 100.0%"), "{html}");
    assert!(html.contains("71.4% of decisions were made by the engine"));
    // Accessible: each chart is an image with a name and a title, with a data table.
    assert_eq!(html.matches("role=\"img\"").count(), 3);
    assert!(html.contains("aria-label=\"Content actions by rule per day, "));
    assert!(html.contains("<title>Appeal outcomes, "));
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let table_row = html
        .split("<tr><th scope=\"row\">")
        .find(|row| row.starts_with(&today))
        .unwrap();
    let cells: u64 = table_row
        .split("<td class=\"n\">")
        .skip(1)
        .map(|cell| cell.split('<').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(cells, expected_rules.values().sum::<u64>(), "{table_row}");
    // Seven daily bars; a longer period is shown per week.
    assert_eq!(html.matches("<tr><th scope=\"row\">20").count(), 7);
    let (_, html) = page(&app, "/ui/transparency?days=91", &cookie).await;
    assert!(html.contains("per week starting"));
    assert_eq!(chart_values(&html, "chart-rules"), expected_rules);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_shows_what_a_candidate_version_would_change() {
    let app = TestApp::new("sqlite").await;
    for (id, text) in [
        ("g1", LOOTING),
        ("t1", THREAT),
        ("ok1", "Lovely day at the beach"),
    ] {
        let (status, _) = app
            .post(
                "/v1/content",
                &app.ingest,
                json!({"id": id, "text": text, "author": {"id": id}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (cookie, csrf) = sign_in(&app, &app.viewer).await;
    let (_, html) = page(&app, "/ui/policies", &cookie).await;
    assert!(
        html.contains("Upload a second version"),
        "no candidate yet: {html}"
    );

    // A candidate that only treats certain glorification as a violation.
    let mut files = moderato_engine::default_pack_files();
    files.insert(
        "policy.toml".into(),
        files["policy.toml"].replace(
            &format!("version = \"{}\"", default_version()),
            "version = \"2099.01.01\"",
        ),
    );
    files.insert(
        "violence.toml".into(),
        files["violence.toml"].replace(
            "signals.violence.glorification >= 0.6",
            "signals.violence.glorification >= 0.95",
        ),
    );
    let (status, uploaded) = app
        .post("/v1/policies", &app.admin, json!({"files": files}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{uploaded}");
    let (_, html) = page(&app, "/ui/policies", &cookie).await;
    assert!(
        html.contains("<option value=\"2099.01.01\">2099.01.01</option>")
            && html.contains("hx-post=\"/ui/policies/replay\""),
        "{html}"
    );

    // Without JavaScript: the whole page, with the result.
    let (status, html, _, _) = form(
        &app,
        "/ui/policies/replay",
        Some(&cookie),
        &format!("csrf={csrf}&to=2099.01.01&limit=100"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("<h1>Policy versions</h1>"));
    assert!(html.contains("1 of 3 recent items would change"), "{html}");
    let row = html
        .split("<tr>")
        .find(|row| row.contains(">g1</a>"))
        .unwrap();
    assert!(
        row.contains("<td>remove</td><td>allow</td><td>violence.glorification</td><td>none</td>"),
        "{row}"
    );
    assert!(html.contains("<td>remove → allow</td><td class=\"n\">1</td>"));
    // Nothing was activated or written.
    let (_, list) = app.get("/v1/policies", &app.viewer).await;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|version| version["version"] == default_version().as_str()
                && version["active"] == true)
    );
    let (_, state) = app.get("/v1/content/g1", &app.ingest).await;
    assert_eq!(state["decision"]["action"], "remove");

    // The limit takes the most recent items only ("ok1" was submitted last).
    let (_, html, _, _) = form(
        &app,
        "/ui/policies/replay",
        Some(&cookie),
        &format!("csrf={csrf}&to=2099.01.01&limit=1"),
    )
    .await;
    assert!(html.contains("0 of 1 recent items would change"), "{html}");

    // htmx gets only the fragment, with the same result.
    let request = Request::builder()
        .method("POST")
        .uri("/ui/policies/replay")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", &cookie)
        .header("hx-request", "true")
        .body(Body::from(format!("csrf={csrf}&to=2099.01.01&limit=100")))
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let fragment =
        String::from_utf8_lossy(&response.into_body().collect().await.unwrap().to_bytes())
            .into_owned();
    assert!(!fragment.contains("<html") && !fragment.contains("<h1"));
    assert!(
        fragment.contains("1 of 3 recent items would change"),
        "{fragment}"
    );

    // The CSRF token is required even from htmx, and an unknown version is a 404.
    let (status, _, _, _) = form(
        &app,
        "/ui/policies/replay",
        Some(&cookie),
        "csrf=wrong&to=2099.01.01",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, html, _, _) = form(
        &app,
        "/ui/policies/replay",
        Some(&cookie),
        &format!("csrf={csrf}&to=%3Cb%3Enope"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        html.contains("no policy version `&lt;b&gt;nope`") || html.contains("&#60;b&#62;nope"),
        "{html}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn htmx_is_served_from_the_binary_with_a_long_cache() {
    let app = TestApp::new("sqlite").await;
    let request = Request::builder()
        .uri("/ui/static/htmx.min.js")
        .body(Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age=31536000")
    );
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&bytes[..], &include_bytes!("../../static/htmx.min.js")[..]);
    assert!(bytes.starts_with(b"var htmx="));
    let (cookie, _) = sign_in(&app, &app.viewer).await;
    let (_, html) = page(&app, "/ui", &cookie).await;
    assert!(html.contains(&format!(
        "<script src=\"/ui/static/htmx.min.js?v={}\" defer></script>",
        moderato_server::ui::HTMX_VERSION
    )));
}

/// Relative luminance of `#rrggbb` (WCAG 2.x).
fn luminance(hex: &str) -> f64 {
    let channel = |index: usize| {
        let value =
            u8::from_str_radix(&hex[1 + 2 * index..3 + 2 * index], 16).unwrap() as f64 / 255.0;
        if value <= 0.03928 {
            value / 12.92
        } else {
            ((value + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2)
}

fn contrast(a: &str, b: &str) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// Checks what can be checked in markup: a language, a skip link, one `<h1>`,
/// headings that never skip a level, no positive tabindex, and a label for every control.
fn check_accessible(path: &str, html: &str) {
    assert!(html.contains("<html lang=\"en\">"), "{path}: lang");
    assert!(
        html.contains("<a class=\"skip\" href=\"#main\">") && html.contains("id=\"main\""),
        "{path}: skip link"
    );
    assert_eq!(html.matches("<h1").count(), 1, "{path}: one h1");
    let mut last = 0;
    for part in html.split("<h").skip(1) {
        let Some(level) = part.chars().next().and_then(|c| c.to_digit(10)) else {
            continue;
        };
        assert!(level <= last + 1, "{path}: h{level} after h{last}");
        last = level;
    }
    for part in html.split("tabindex=\"").skip(1) {
        let value: i64 = part.split('"').next().unwrap().parse().unwrap();
        assert!(value <= 0, "{path}: positive tabindex");
    }
    for tag in ["<input", "<select", "<textarea"] {
        for (offset, _) in html.match_indices(tag) {
            let element = &html[offset..offset + html[offset..].find('>').unwrap()];
            if element.contains("type=\"hidden\"") {
                continue;
            }
            let labelled = match element.split(" id=\"").nth(1) {
                Some(rest) => {
                    let id = rest.split('"').next().unwrap();
                    html.contains(&format!("for=\"{id}\""))
                }
                None => false,
            };
            // Or wrapped in a label.
            let before = &html[..offset];
            let wrapped =
                before.rfind("<label").unwrap_or(0) > before.rfind("</label>").unwrap_or(0);
            assert!(labelled || wrapped, "{path}: unlabelled control {element}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_pages_meet_basic_accessibility() {
    // Contrast of the text colours in the console's stylesheet.
    let base = include_str!("../../static/console.css");
    let var = |name: &str| {
        let start = base.find(&format!("--{name}: ")).unwrap() + name.len() + 4;
        base[start..start + 7].to_string()
    };
    for text in ["ink", "muted", "accent", "warn", "ok"] {
        for background in ["bg", "soft"] {
            let ratio = contrast(&var(text), &var(background));
            assert!(ratio >= 4.5, "{text} on {background}: {ratio:.2}");
        }
    }
    assert!(contrast("#ffffff", &var("accent")) >= 4.5, "button text");
    assert!(contrast(&var("focus"), &var("bg")) >= 3.0, "focus ring");
    assert!(!base.contains("outline: none") && base.contains(":focus-visible"));
    for colour in moderato_server::ui::charts::PALETTE {
        assert!(contrast(colour, "#ffffff") >= 3.0, "chart colour {colour}");
    }

    let app = TestApp::new("sqlite").await;
    app.post(
        "/v1/content",
        &app.ingest,
        json!({"id": "a1", "text": THREAT, "author": {"id": "u1"}}),
    )
    .await;
    app.post(
        "/v1/reports",
        &app.ingest,
        json!({"content_id": "a1", "reason": "threat"}),
    )
    .await;
    let request = Request::builder()
        .uri("/ui/login")
        .body(Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    let login = String::from_utf8_lossy(&response.into_body().collect().await.unwrap().to_bytes())
        .into_owned();
    check_accessible("/ui/login", &login);
    let (cookie, csrf) = sign_in(&app, &app.alice).await;
    let (_, _, location, _) = form(
        &app,
        "/ui/queues/reports/claim",
        Some(&cookie),
        &format!("csrf={csrf}"),
    )
    .await;
    let task = location.unwrap();
    for path in [
        "/ui",
        task.as_str(),
        "/ui/items/a1",
        "/ui/policies",
        &format!("/ui/policies?a={v}&b={v}", v = default_version()),
        "/ui/transparency",
    ] {
        let (status, html) = page(&app, path, &cookie).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        check_accessible(path, &html);
    }
}

/// Issue 12 §9: `/ui?none=…` repeated attacker text in the flash message, and no response said
/// it must not be framed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_names_only_known_queues_and_refuses_framing() {
    let app = TestApp::new("sqlite").await;
    let (cookie, _) = sign_in(&app, &app.alice).await;
    let (status, html) = page(
        &app,
        "/ui?none=Your%20session%20expired%2C%20re-enter%20your%20token%20at%20evil.example",
        &cookie,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("evil.example"), "{html}");
    let (_, html) = page(&app, "/ui?none=appeals", &cookie).await;
    assert!(html.contains("No task in appeals"), "{html}");
    // Issue 12 §18: `/ui/` with a trailing slash leads to the console.
    let request = Request::builder()
        .uri("/ui/")
        .header("cookie", &cookie)
        .body(Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(response.headers()["location"], "/ui");
    for path in ["/ui/login", "/v1/queues", "/healthz"] {
        let request = Request::builder()
            .uri(path)
            .header("cookie", &cookie)
            .body(Body::empty())
            .unwrap();
        let response = app.router.clone().oneshot(request).await.unwrap();
        let headers = response.headers();
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'"),
            "{path}"
        );
    }
}

/// Issue 12 §8: the history page pages an item's audit entries and checks the
/// chain incrementally: new entries are verified on each view, the whole
/// chain only by a full walk (at start, hourly, or `GET /v1/audit/verify`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_history_pages_entries_and_verifies_the_chain_incrementally() {
    let app = TestApp::new("sqlite").await;
    let now = moderato_server::now_ms();
    for index in 0..60 {
        app.store
            .append_audit_event("test.event", "p-1", &serde_json::json!({"i": index}), now)
            .await
            .unwrap();
    }
    let (cookie, _) = sign_in(&app, &app.viewer).await;
    let (status, html) = page(&app, "/ui/items/p-1", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("✔ verifies: entries 1 to"), "{html}");
    assert_eq!(
        html.matches("class=\"audit-details\"").count(),
        50,
        "one page"
    );
    let older = html
        .split("href=\"")
        .find_map(|rest| {
            let link = &rest[..rest.find('"')?];
            link.contains("before=").then(|| link.replace("&amp;", "&"))
        })
        .expect("a link to older entries");
    let (_, html) = page(&app, &older, &cookie).await;
    assert_eq!(
        html.matches("class=\"audit-details\"").count(),
        10,
        "the rest"
    );
    assert!(html.contains("Newest entries"), "{html}");
    assert!(!html.contains("before="), "no page after the last: {html}");

    // An entry appended and then edited: the next view checks it and says so.
    let appended = app
        .store
        .append_audit_event("test.event", "p-2", &serde_json::json!({"i": "new"}), now)
        .await
        .unwrap();
    let raw = app.raw_sqlite().await;
    sqlx::query("UPDATE audit_log SET payload_json = '{\"i\":\"edited\"}' WHERE seq = $1")
        .bind(appended.seq)
        .execute(&raw)
        .await
        .unwrap();
    let (_, html) = page(&app, "/ui/items/p-1", &cookie).await;
    assert!(
        html.contains(&format!("✘ does not verify: entry {}", appended.seq)),
        "{html}"
    );
    // Restored, a full walk (the admin's verify) clears the mark.
    sqlx::query("UPDATE audit_log SET payload_json = '{\"i\":\"new\"}' WHERE seq = $1")
        .bind(appended.seq)
        .execute(&raw)
        .await
        .unwrap();
    let (status, _) = app.get("/v1/audit/verify", &app.admin).await;
    assert_eq!(status, StatusCode::OK);
    let (_, html) = page(&app, "/ui/items/p-1", &cookie).await;
    assert!(html.contains("✔ verifies"), "{html}");

    // An old entry edited without re-hashing: a view does not re-read it (that is
    // the point), the full walk does, and the page then says so.
    sqlx::query("UPDATE audit_log SET payload_json = '{\"i\":\"old\"}' WHERE seq = 3")
        .execute(&raw)
        .await
        .unwrap();
    let (_, html) = page(&app, "/ui/items/p-1", &cookie).await;
    assert!(html.contains("✔ verifies"), "{html}");
    let (status, _) = app.get("/v1/audit/verify", &app.admin).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, html) = page(&app, "/ui/items/p-1", &cookie).await;
    assert!(html.contains("✘ does not verify: entry 3"), "{html}");
    raw.close().await;
}

/// The response to a GET without a session: status, headers and body.
async fn fetch(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let mut builder = Request::builder().uri(path);
    if let Some(cookie) = cookie {
        builder = builder.header("cookie", cookie);
    }
    let response = app
        .router
        .clone()
        .oneshot(builder.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = String::from_utf8_lossy(&response.into_body().collect().await.unwrap().to_bytes())
        .into_owned();
    (status, headers, body)
}

/// A GET of the demo feed of a server started with `--demo` (seeded with the examples).
async fn fetch_demo(path: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let dir = tempfile::tempdir().unwrap();
    let store = moderato_store::Store::open_data_dir(dir.path())
        .await
        .unwrap();
    let config = moderato_server::ServerConfig {
        demo: true,
        ..Default::default()
    };
    let state = moderato_server::prepare_state(store, config).await.unwrap();
    moderato_server::ui::demo::seed(&state).await.unwrap();
    let response = moderato_server::app(state)
        .oneshot(Request::builder().uri(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = String::from_utf8_lossy(&response.into_body().collect().await.unwrap().to_bytes())
        .into_owned();
    (status, headers, body)
}

/// The directives of a Content-Security-Policy: name → sources.
fn directives(policy: &str) -> std::collections::BTreeMap<String, Vec<String>> {
    policy
        .split(';')
        .filter_map(|directive| {
            let mut words = directive.split_whitespace();
            let name = words.next()?.to_string();
            Some((name, words.map(str::to_string).collect()))
        })
        .collect()
}

/// Standard base64 of SHA-256, as CSP hashes are written.
fn sha256_base64(text: &str) -> String {
    use sha2::Digest;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let digest = sha2::Sha256::digest(text.as_bytes());
    let mut out = String::new();
    for chunk in digest.chunks(3) {
        let bytes = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let value = (u32::from(bytes[0]) << 16) | (u32::from(bytes[1]) << 8) | u32::from(bytes[2]);
        for index in 0..4 {
            if index <= chunk.len() {
                out.push(ALPHABET[((value >> (18 - 6 * index)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Every `attribute="…"` value of `tag` elements in the page.
fn attribute_values(html: &str, tag: &str, attribute: &str) -> Vec<String> {
    html.split(&format!("<{tag} "))
        .skip(1)
        .filter_map(|element| {
            let element = &element[..element.find('>').unwrap_or(element.len())];
            element
                .split(&format!("{attribute}=\""))
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .map(str::to_string)
        })
        .collect()
}

/// Issue 12 §9: the Content-Security-Policy restricted neither scripts nor styles, the task page
/// carried an inline script and every console page an inline `<style>`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_policy_refuses_inline_scripts_and_styles_and_the_pages_need_none() {
    let app = TestApp::new("sqlite").await;
    app.post(
        "/v1/content",
        &app.ingest,
        json!({"id": "a1", "text": THREAT, "author": {"id": "u1"}}),
    )
    .await;
    app.post(
        "/v1/reports",
        &app.ingest,
        json!({"content_id": "a1", "reason": "threat"}),
    )
    .await;
    let (cookie, csrf) = sign_in(&app, &app.alice).await;
    let (_, _, location, _) = form(
        &app,
        "/ui/queues/reports/claim",
        Some(&cookie),
        &format!("csrf={csrf}"),
    )
    .await;
    let task = location.unwrap();
    assert!(task.starts_with("/ui/tasks/"), "{task}");

    let mut loaded = std::collections::BTreeSet::new();
    for path in [
        "/ui/login",
        "/ui",
        task.as_str(),
        "/ui/items/a1",
        "/ui/policies",
        "/ui/transparency",
        "/demo",
        "/v1/queues",
        "/healthz",
        "/ui/static/console.css",
    ] {
        let (status, headers, html) = if path == "/demo" {
            fetch_demo(path).await
        } else {
            fetch(&app, path, Some(&cookie)).await
        };
        // The API answers 401 to a session cookie: its error carries the policy too.
        let expected = if path.starts_with("/v1/") {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::OK
        };
        assert_eq!(status, expected, "{path}");
        let policy = headers["content-security-policy"].to_str().unwrap();
        assert_eq!(policy, moderato_server::CONTENT_SECURITY_POLICY, "{path}");
        let policy = directives(policy);
        for (directive, sources) in [
            ("default-src", "'none'"),
            ("script-src", "'self'"),
            ("style-src", "'self'"),
            ("frame-ancestors", "'none'"),
            ("object-src", "'none'"),
            ("base-uri", "'none'"),
            ("form-action", "'self'"),
        ] {
            assert_eq!(policy[directive], [sources], "{path}: {directive}");
        }
        assert!(
            policy
                .values()
                .flatten()
                .all(|source| !source.starts_with("'unsafe-")),
            "{path}: {policy:?}"
        );
        if !headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
        {
            continue;
        }
        // Nothing inline: no <script> without a src, no <style>, no style or event attributes.
        for script in html.split("<script").skip(1) {
            assert!(
                script.starts_with(" src=\"/"),
                "{path}: inline script <script{script}"
            );
        }
        assert!(!html.contains("<style"), "{path}: a <style> block");
        let lower = html.to_ascii_lowercase();
        for attribute in [
            " style=",
            " onclick=",
            " onload=",
            " onerror=",
            " onsubmit=",
            " onkeydown=",
        ] {
            assert!(
                !lower.contains(attribute),
                "{path}: an inline{attribute} attribute"
            );
        }
        loaded.extend(attribute_values(&html, "script", "src"));
        loaded.extend(attribute_values(&html, "link", "href"));
    }
    // The files the pages load are served by the binary, with their types and a long cache.
    assert!(loaded.len() >= 4, "{loaded:?}");
    for url in &loaded {
        assert!(
            url.starts_with("/ui/static/") && url.contains("?v="),
            "{url}"
        );
        let (status, headers, body) = fetch(&app, url, None).await;
        assert_eq!(status, StatusCode::OK, "{url}");
        let expected = if url.contains(".css?") {
            "text/css; charset=utf-8"
        } else {
            "text/javascript; charset=utf-8"
        };
        assert_eq!(headers["content-type"], expected, "{url}");
        assert!(
            headers["cache-control"]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
        assert!(!body.is_empty(), "{url}");
    }
    assert!(
        loaded
            .iter()
            .any(|url| url.starts_with("/ui/static/task.js?v="))
    );
    assert!(
        loaded
            .iter()
            .any(|url| url.starts_with("/ui/static/demo.css?v="))
    );
    let (status, _, _) = fetch(&app, "/ui/static/nope.js", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The keyboard shortcuts are in the script file, not on the page.
    let (_, _, script) = fetch(&app, "/ui/static/task.js", None).await;
    assert!(script.contains("addEventListener('keydown'"));

    // The API docs have their own policy: Swagger UI's files, `data:` icons and the hash of
    // the one <style> it inserts (its logo's), which its vendored file must still carry.
    let (status, headers, html) = fetch(&app, "/docs/", None).await;
    assert_eq!(status, StatusCode::OK);
    let policy = headers["content-security-policy"].to_str().unwrap();
    assert_eq!(
        policy,
        moderato_server::openapi::DOCS_CONTENT_SECURITY_POLICY
    );
    let policy = directives(policy);
    assert_eq!(policy["script-src"], ["'self'"]);
    assert_eq!(policy["default-src"], ["'none'"]);
    assert_eq!(policy["frame-ancestors"], ["'none'"]);
    let logo = moderato_server::openapi::SWAGGER_LOGO_STYLE;
    assert_eq!(
        policy["style-src"],
        [
            "'self'".to_string(),
            format!("'sha256-{}'", sha256_base64(logo))
        ]
    );
    for script in html.split("<script").skip(1) {
        assert!(
            script.starts_with(" src=\""),
            "/docs/: inline script <script{script}"
        );
    }
    for file in attribute_values(&html, "script", "src") {
        let path = format!("/docs/{}", file.trim_start_matches("./"));
        let (status, _, body) = fetch(&app, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        if path.ends_with("swagger-ui-standalone-preset.js") {
            assert!(
                body.contains(logo),
                "the logo's <style> whose hash the policy allows"
            );
        }
        if path.ends_with("swagger-initializer.js") {
            assert!(
                body.contains("\"url\": \"/openapi.json\"")
                    && body.contains("\"validatorUrl\": \"none\""),
                "{body}"
            );
        }
    }
}

/// `<tr data-signal="…">` rows of a table: name → (score, source).
fn signal_rows(table: &str) -> std::collections::BTreeMap<String, (String, String)> {
    table
        .split("<tr data-signal=\"")
        .skip(1)
        .map(|row| {
            let cells: Vec<&str> = row
                .split("<td")
                .skip(1)
                .map(|cell| {
                    let start = cell.find('>').unwrap() + 1;
                    &cell[start..cell.find("</td>").unwrap()]
                })
                .collect();
            (
                cells[0].to_string(),
                (cells[1].to_string(), cells[2].to_string()),
            )
        })
        .collect()
}

/// Issue 12 §18: `remove` had no shortcut (its rung showed `10`, which no key types), follower
/// counts had no separators, every zero signal filled the table, and a rule's evidence showed
/// each match's own weight as if it were the signal's score (`violence.imminence 0.30` beside a
/// signals table saying 0.15).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_task_page_keys_remove_formats_counts_folds_zero_signals_and_agrees_on_scores() {
    let app = TestApp::new("sqlite").await;
    let whitmer = "Patriots, grab your rifles and go to the State House tomorrow at 6 pm. Shoot Governor Whitmer when she walks out.";
    let mut decisions = std::collections::BTreeMap::new();
    for (id, text, author) in [
        (
            "hos-1",
            LOOTING,
            json!({"id": "potus", "handle": "president", "followers": 30_000_000, "verified": true, "public_role": "head_of_state"}),
        ),
        ("inc-1", whitmer, json!({"id": "u9", "followers": 1})),
        ("thr-1", THREAT, json!({"id": "u7", "followers": 1234})),
    ] {
        let (status, decision) = app
            .post(
                "/v1/content",
                &app.ingest,
                json!({"id": id, "text": text, "author": author}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{decision}");
        decisions.insert(id.to_string(), decision);
    }
    for id in ["inc-1", "thr-1"] {
        app.post(
            "/v1/reports",
            &app.ingest,
            json!({"content_id": id, "reason": "violent"}),
        )
        .await;
    }
    // Alice takes the public-interest task and a report; her own claim is handed back to her
    // first, so Bob takes the other report.
    let (alice, _) = sign_in(&app, &app.alice).await;
    let (bob, _) = sign_in(&app, &app.bob).await;
    let mut pages = Vec::new();
    for (queue, token, cookie) in [
        ("public_interest", &app.alice, &alice),
        ("reports", &app.alice, &alice),
        ("reports", &app.bob, &bob),
    ] {
        let (status, claimed) = app.get(&format!("/v1/queues/{queue}/next"), token).await;
        assert_eq!(status, StatusCode::OK, "{claimed}");
        let task = claimed["task"]["id"].as_i64().unwrap();
        let content = claimed["task"]["content_id"].as_str().unwrap().to_string();
        let (status, html) = page(&app, &format!("/ui/tasks/{task}"), cookie).await;
        assert_eq!(status, StatusCode::OK);
        pages.push((content, html));
    }
    let mut checked_evidence = 0;
    for (content, html) in &pages {
        // The stored decision: the page is checked against it.
        let decision = &decisions[content.as_str()];
        let signals = decision["signals"].as_array().unwrap();

        // (a) `remove` is `x`, and the page lists it with the others.
        assert!(
            html.contains("<input type=\"radio\" name=\"choice\" value=\"remove\" data-key=\"x\"> remove <kbd>x</kbd>"),
            "{html}"
        );
        assert!(!html.contains("<kbd>10</kbd>"));
        assert!(
            html.contains("<kbd>1</kbd>–<kbd>9</kbd> rungs of the ladder · <kbd>x</kbd> remove")
        );

        // (c) The table shows the signals that scored; the zero ones are folded away under a
        // <details> (closed: it opens without JavaScript).
        let (visible, folded) = html.split_once("<details id=\"zero-signals\">").unwrap();
        let visible = &visible[visible.find("<table id=\"signals\"").unwrap()..];
        let visible = signal_rows(&visible[..visible.find("</table>").unwrap()]);
        let folded = &folded[..folded.find("</details>").unwrap()];
        let zero = signals
            .iter()
            .filter(|signal| format!("{:.2}", signal["score"].as_f64().unwrap()) == "0.00")
            .count();
        assert!(zero > 3, "{content}: {zero}");
        assert!(
            folded.starts_with(&format!("<summary>Show {zero} zero signals</summary>")),
            "{folded}"
        );
        let folded = signal_rows(folded);
        assert_eq!(folded.len(), zero);
        assert!(
            folded.values().all(|(score, _)| score == "0.00"),
            "{folded:?}"
        );
        assert!(
            visible.values().all(|(score, _)| score != "0.00"),
            "{visible:?}"
        );
        assert_eq!(visible.len() + folded.len(), signals.len());
        for signal in signals {
            let name = signal["name"].as_str().unwrap();
            let row = visible.get(name).or(folded.get(name)).unwrap();
            assert_eq!(
                row.0,
                format!("{:.2}", signal["score"].as_f64().unwrap()),
                "{name}"
            );
            assert_eq!(row.1, signal["source"].as_str().unwrap(), "{name}");
        }

        // (d) A rule's evidence names each signal with the score and source the table shows.
        let rules =
            &html[html.find("<h2>Rules</h2>").unwrap()..html.find("<h2>Signals</h2>").unwrap()];
        for item in rules.split("<li data-signal=\"").skip(1) {
            let (name, rest) = item.split_once('"').unwrap();
            let score = rest
                .split("data-score=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            let (table_score, source) = visible.get(name).or(folded.get(name)).unwrap();
            assert_eq!(score, table_score, "{content}: {name}");
            assert!(
                rest.contains(&format!(
                    "><code>{name}</code> {score} <span class=\"muted\">({source})</span>"
                )),
                "{content}: {rest}"
            );
            checked_evidence += 1;
        }
    }
    assert!(checked_evidence >= 4, "{checked_evidence}");
    let looting = &pages[0].1;
    assert!(
        looting.contains("<code>violence.imminence</code> 0.15 ")
            && looting
                .contains("“we will” call to act <span class=\"muted\">· this match 0.30</span>"),
        "{looting}"
    );
    assert!(!looting.contains("violence.imminence 0.30"));
    let whitmer_page = &pages
        .iter()
        .find(|(content, _)| content == "inc-1")
        .unwrap_or_else(|| panic!("{:?}", pages.iter().map(|(id, _)| id).collect::<Vec<_>>()))
        .1;
    assert!(
        whitmer_page.contains("<code>violence.imminence</code> 1.00 ")
            && whitmer_page.contains("“tomorrow” time (read from the frame) <span class=\"muted\">· this match 0.25</span>"),
        "{whitmer_page}"
    );

    // (b) Follower counts with thousands separators (and one follower is one).
    assert!(
        looting.contains("<p>president · role head_of_state · 30,000,000 followers · verified · 0 prior strikes</p>"),
        "{looting}"
    );
    let others: Vec<&String> = pages[1..].iter().map(|(_, html)| html).collect();
    assert!(
        others
            .iter()
            .any(|html| html.contains(" · 1,234 followers · "))
    );
    assert!(others.iter().any(|html| html.contains(" · 1 follower · ")));
}
