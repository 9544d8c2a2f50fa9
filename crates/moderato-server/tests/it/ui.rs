//! The console in process: sign-in, sessions, CSRF, escaping, a review through the page, history.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

use crate::support::TestApp;

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
        html.contains("2026.11.25") && html.contains("active"),
        "versions are listed"
    );
    let (status, html) = page(&app, "/ui/policies?a=2026.11.25&b=2026.11.25", &cookie).await;
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
        files["policy.toml"].replace("version = \"2026.11.25\"", "version = \"2026.12.01\""),
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
        html.contains("<option value=\"2026.12.01\">2026.12.01</option>")
            && html.contains("hx-post=\"/ui/policies/replay\""),
        "{html}"
    );

    // Without JavaScript: the whole page, with the result.
    let (status, html, _, _) = form(
        &app,
        "/ui/policies/replay",
        Some(&cookie),
        &format!("csrf={csrf}&to=2026.12.01&limit=100"),
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
            .any(|version| version["version"] == "2026.11.25" && version["active"] == true)
    );
    let (_, state) = app.get("/v1/content/g1", &app.ingest).await;
    assert_eq!(state["decision"]["action"], "remove");

    // The limit takes the most recent items only ("ok1" was submitted last).
    let (_, html, _, _) = form(
        &app,
        "/ui/policies/replay",
        Some(&cookie),
        &format!("csrf={csrf}&to=2026.12.01&limit=1"),
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
        .body(Body::from(format!("csrf={csrf}&to=2026.12.01&limit=100")))
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
        "csrf=wrong&to=2026.12.01",
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
    let base = include_str!("../../templates/base.html");
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
        "/ui/policies?a=2026.11.25&b=2026.11.25",
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
