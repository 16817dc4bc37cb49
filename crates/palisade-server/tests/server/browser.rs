//! The console in real headless Chromium: a person signs in through the
//! form, reads the overview, filters the inventory, uses the keyboard and a
//! phone-sized window, signs out; a reader of another connector sees none of
//! the estate. Screenshots of each page land in
//! `target/browser-screenshots/<backend>/`.

use fantoccini::key::Key;
use palisade_domain::{FindingKind, Grant, Role, RoleScope, Severity, Timestamp};
use palisade_store::{OverviewFilter, RepoInventoryFilter};

use crate::browser_util::Browser;
use crate::harness::{AWS_ID, AWS_SECRET, Ctx};

crate::stories!(console_in_a_browser);

use crate::api_util::{PASSWORD, now, password_user as user};

/// Signs in through the form on the sign-in page the browser is on.
async fn sign_in(b: &Browser, name: &str) {
    b.type_into("#username", name).await;
    b.type_into("#password", PASSWORD).await;
    b.click("form[action='/login'] button[type=submit]").await;
}

/// How many repositories the inventory lists for `search`, as the store
/// counts them (archived ones are listed only when asked for).
async fn repos(ctx: &Ctx, search: Option<&str>) -> u64 {
    let filter = RepoInventoryFilter {
        search: search.map(str::to_owned),
        states: vec![
            palisade_domain::ManagedState::Offered,
            palisade_domain::ManagedState::Enabled,
            palisade_domain::ManagedState::Disabled,
        ],
        ..RepoInventoryFilter::default()
    };
    ctx.store.repo_inventory(&filter).await.unwrap().total
}

/// The overview's "By type" table fits its card: every column visible at
/// 1280px, and no sideways scroll of the page at 375px (it once did not).
const OVERVIEW_TYPE_TABLE_FITS: bool = true;

async fn console_in_a_browser(ctx: &Ctx) {
    // An estate with findings: web-frontend's history holds a key, and a
    // second one is pushed to main before the first full scans.
    ctx.connect(&["Web/web-api", "Web/web-frontend"]).await;
    ctx.commit(
        "main",
        &[(
            "config/cache.env",
            &format!("aws_access_key_id = {AWS_ID}\naws_secret_access_key = {AWS_SECRET}\n"),
        )],
        &[],
    )
    .await;
    let report = ctx.drain().await;
    assert_eq!((report.dead, report.retried), (0, 0), "{report:?}");
    // The scheduler's daily snapshots, yesterday's and today's: a trend of two days.
    let today = now();
    ctx.store
        .snapshot_finding_counts(Timestamp::from_millis(today.millis() - 86_400_000))
        .await
        .unwrap();
    ctx.store.snapshot_finding_counts(today).await.unwrap();
    let expected = ctx
        .store
        .finding_overview(&OverviewFilter::default())
        .await
        .unwrap();
    assert!(expected.by_kind[&FindingKind::Secret].total > 0, "{expected:?}");

    user(
        ctx,
        "alice",
        &[Grant {
            role: Role::Admin,
            scope: RoleScope::All,
        }],
    )
    .await;
    user(
        ctx,
        "rita",
        &[Grant {
            role: Role::Reader,
            scope: RoleScope::Connector("0190a0a0-0000-7000-8000-000000000000".into()),
        }],
    )
    .await;

    let b = Browser::start(&ctx.server_url(), ctx.store.backend()).await;

    // Not signed in: the sign-in page, then back to the overview.
    b.goto("/overview").await;
    b.wait_path("/login").await;
    b.find("#username").await;
    b.shot("sign-in").await;
    sign_in(&b, "alice").await;
    b.wait_path("/overview").await;
    b.shot("overview").await;

    // The numbers shown are the store's, where a person can see them.
    assert_eq!(
        b.text("[data-testid=findings-total]").await,
        expected.total.total.to_string()
    );
    assert!(b.visible("[data-testid=findings-total]").await);
    for s in Severity::ALL {
        assert_eq!(
            b.text(&format!("[data-testid=sev-{}]", s.as_str())).await,
            expected.total.get(s).to_string(),
            "{s:?}"
        );
        assert!(
            b.visible(&format!("[data-testid=sev-{}]", s.as_str())).await,
            "{s:?}"
        );
    }
    for kind in FindingKind::ALL {
        let want = expected.by_kind.get(&kind).map_or(0, |c| c.total);
        assert_eq!(
            b.text(&format!("[data-testid=kind-{}]", kind.as_str())).await,
            want.to_string(),
            "{kind:?}"
        );
        assert_eq!(
            b.visible(&format!("[data-testid=kind-{}]", kind.as_str())).await,
            OVERVIEW_TYPE_TABLE_FITS,
            "the Total column of \"By type\" at 1280px, {kind:?}"
        );
    }
    // Two days of snapshots: a line per severity with a point per day.
    let critical = b.find("svg.trend polyline.sev-critical").await;
    let points = critical.attr("points").await.unwrap().unwrap_or_default();
    assert_eq!(points.split_whitespace().count(), 2, "{points}");
    assert!(b.visible("svg.trend").await);
    b.shot("overview-trend").await;

    // The inventory, from the navigation.
    b.click("nav a[href='/inventory']").await;
    b.wait_path("/inventory").await;
    let all = repos(ctx, None).await;
    assert_eq!(
        b.text("[data-testid=inventory-total]").await,
        format!("{all} repositories")
    );
    assert_eq!(b.all("tr[data-testid=repo-row]").await.len() as u64, all);
    assert_eq!(
        b.find("nav a[href='/inventory']")
            .await
            .attr("aria-current")
            .await
            .unwrap()
            .as_deref(),
        Some("page")
    );
    b.shot("inventory").await;

    // Searching narrows the list.
    let web = repos(ctx, Some("web")).await;
    assert!(0 < web && web < all, "the search must narrow: {web} of {all}");
    b.type_into("#q", "web").await;
    b.click("form.filters button[type=submit]").await;
    b.until("the search in the address", async || {
        b.here().await.contains("q=web").then_some(())
    })
    .await;
    assert_eq!(
        b.text("[data-testid=inventory-total]").await,
        format!("{web} repositories")
    );
    let rows = b.all("tr[data-testid=repo-row] th").await;
    assert_eq!(rows.len() as u64, web);
    for row in rows {
        let name = row.text().await.unwrap();
        assert!(name.to_lowercase().contains("web"), "{name}");
    }
    assert_eq!(
        b.find("#q").await.prop("value").await.unwrap().as_deref(),
        Some("web"),
        "the search box keeps the search"
    );
    b.shot("inventory-search").await;

    // Grouped by organization and project.
    b.find("#view").await.select_by_value("grouped").await.unwrap();
    b.click("form.filters button[type=submit]").await;
    b.until("the grouped view in the address", async || {
        b.here().await.contains("view=grouped").then_some(())
    })
    .await;
    let caption = b.find("table caption").await.html(true).await.unwrap();
    assert_eq!(caption, "Repositories by organization and project");
    assert!(b.all("tr[data-testid=repo-row]").await.is_empty());
    let groups = b.all("tbody tr").await;
    assert!(!groups.is_empty());
    assert_eq!(
        b.text("[data-testid=inventory-total]").await,
        format!("{web} repositories"),
        "the search holds in the grouped view"
    );
    b.shot("inventory-grouped").await;

    // The keyboard: the first Tab from the top reaches "Skip to content".
    b.goto("/inventory").await;
    b.find("[data-testid=inventory-total]").await;
    b.press(Key::Tab).await;
    let focused = b.client.active_element().await.unwrap();
    assert_eq!(focused.text().await.unwrap(), "Skip to content");
    assert_eq!(focused.attr("href").await.unwrap().as_deref(), Some("#main"));
    let (x, y, w, _) = focused.rectangle().await.unwrap();
    assert!(
        x >= 0.0 && y >= 0.0 && w > 0.0,
        "the focused link is on screen at {x},{y}"
    );
    b.shot("skip-link").await;
    b.press(Key::Enter).await;
    b.until("the skip link to lead to the content", async || {
        let hash = b.script("return location.hash").await;
        (hash == "#main").then_some(())
    })
    .await;

    // A phone-sized window: no page scrolls sideways.
    b.resize(375, 900).await;
    for (path, name) in [
        ("/inventory", "narrow-inventory"),
        ("/inventory?view=grouped", "narrow-inventory-grouped"),
        ("/overview", "narrow-overview"),
    ] {
        b.goto(path).await;
        b.find("main h1").await;
        b.shot(name).await;
        let fits = b.fits_width().await;
        if path == "/overview" {
            assert_eq!(
                fits.is_ok(),
                OVERVIEW_TYPE_TABLE_FITS,
                "{path} at 375px: {fits:?}"
            );
        } else {
            assert!(fits.is_ok(), "{path} at 375px: {fits:?}");
        }
    }
    b.resize(1280, 900).await;

    // Signing out leads to the sign-in page, and the session is over.
    b.click("form.signout button[type=submit]").await;
    b.wait_path("/login").await;
    b.find("#username").await;
    b.shot("signed-out").await;
    b.goto("/inventory").await;
    b.wait_path("/login").await;

    // A reader of another connector sees none of this estate.
    sign_in(&b, "rita").await;
    b.wait_path("/inventory").await;
    assert_eq!(b.text("[data-testid=inventory-total]").await, "0 repositories");
    assert!(b.all("tr[data-testid=repo-row]").await.is_empty());
    b.shot("reader-inventory").await;
    b.click("nav a[href='/overview']").await;
    b.wait_path("/overview").await;
    assert_eq!(b.text("[data-testid=findings-total]").await, "0");
    b.shot("reader-overview").await;

    b.close().await;
}
