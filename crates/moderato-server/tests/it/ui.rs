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
    assert!(html.contains("Transparency report"));

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
