//! `palisade posture run|list|checks|explain|history|score|exempt|exemptions|revoke`.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use anyhow::{Context, anyhow, bail};
use palisade_domain::{ExemptionTarget, PostureStatus, Resource, ResourceKey, ResourceKind, Timestamp};
use palisade_engine::Engine;
use palisade_report::posture_sarif::{self, PostureLogResult, PostureRule};
use palisade_store::{Exemption, NewExemption, PostureFilter, ResourceFilter, StoredPostureResult};

use crate::Outcome;
use crate::args::{GlobalArgs, OutFormat, PostureArgs, PostureCommand, PostureFormat};
use crate::cmd_scan::now;
use crate::engine::{self, print, print_json};
use crate::store;

pub fn run(global: &GlobalArgs, args: &PostureArgs) -> anyhow::Result<Outcome> {
    // Commands that need no store.
    match &args.command {
        PostureCommand::Checks { format } => return checks(*format),
        PostureCommand::Explain { id } => return explain(id),
        _ => {}
    }
    let rt = store::runtime()?;
    rt.block_on(async {
        let engine = engine::open(global).await?;
        match &args.command {
            PostureCommand::Run { connector, format } => run_now(&engine, connector.as_deref(), *format).await,
            PostureCommand::List {
                connector,
                failed,
                status,
                severity,
                scope,
                check,
                resource,
                hide_exempt,
                limit,
                format,
            } => {
                let names = Names::load(&engine).await?;
                let mut filter = PostureFilter {
                    connectors: match connector {
                        Some(c) => vec![engine.store().get_connector(c).await?.id],
                        None => Vec::new(),
                    },
                    checks: check.iter().map(|c| known_check(c).map(|c| c.id.to_owned())).collect::<anyhow::Result<_>>()?,
                    statuses: status.clone(),
                    severities: severity.clone(),
                    resource: resource.as_deref().map(|r| ResourceKey::from_stored(r.trim().to_ascii_lowercase())),
                    limit: *limit,
                    ..PostureFilter::default()
                };
                if *failed && !filter.statuses.contains(&PostureStatus::Fail) {
                    filter.statuses.push(PostureStatus::Fail);
                }
                if let Some(scope) = scope {
                    let (org, project) = names.resolve(scope)?;
                    filter.org_id = Some(org);
                    filter.project_id = project;
                }
                list(&engine, &names, &filter, *hide_exempt, *format).await
            }
            PostureCommand::History { check, resource, format } => {
                let check = known_check(check)?;
                let key = ResourceKey::from_stored(resource.trim().to_ascii_lowercase());
                let history = engine.store().posture_history(check.id, &key).await?;
                if history.is_empty() {
                    bail!(
                        "no history of {} on {key}: see the resource keys with `palisade posture list --check {} --format json`",
                        check.id,
                        check.id
                    );
                }
                if *format == OutFormat::Json {
                    print_json(&history)?;
                } else {
                    let mut out = String::new();
                    writeln!(out, "{:25}  {:15}  REASON", "AT", "STATUS")?;
                    for t in &history {
                        let status = t.status.map_or("gone", PostureStatus::as_str);
                        writeln!(out, "{:25}  {:15}  {}", t.at.to_rfc3339(), status, t.reason)?;
                    }
                    print(&out)?;
                }
                Ok(Outcome::Clean)
            }
            PostureCommand::Score { scope, trend, format } => {
                let names = Names::load(&engine).await?;
                let key = match scope {
                    Some(s) => {
                        let (org, project) = names.resolve(s)?;
                        Some(project.map_or_else(|| org.clone(), |p| format!("{org}/{p}")))
                    }
                    None => None,
                };
                let scores = engine.store().posture_scores(key.as_deref(), (*trend).max(1)).await?;
                if *format == OutFormat::Json {
                    print_json(&scores)?;
                    return Ok(Outcome::Clean);
                }
                let mut by_scope: BTreeMap<&str, Vec<&palisade_store::StoredScore>> = BTreeMap::new();
                for s in &scores {
                    by_scope.entry(s.score.scope_key.as_str()).or_default().push(s);
                }
                let mut out = String::new();
                writeln!(out, "{:40}  {:>5}  {:>6}  {:>6}  {:>7}  {:>6}  TREND (newest last)", "SCOPE", "SCORE", "PASSED", "FAILED", "UNKNOWN", "EXEMPT")?;
                for (scope, rows) in by_scope {
                    let latest = &rows[0].score;
                    let pct = |s: &palisade_store::ScoreRow| {
                        (s.applicable_weight > 0).then(|| s.passed_weight * 100 / s.applicable_weight)
                    };
                    let trend: Vec<String> = rows
                        .iter()
                        .rev()
                        .map(|r| pct(&r.score).map_or_else(|| "-".into(), |p| format!("{p}%")))
                        .collect();
                    writeln!(
                        out,
                        "{:40}  {:>5}  {:>6}  {:>6}  {:>7}  {:>6}  {}",
                        names.scope_label(scope),
                        pct(latest).map_or_else(|| "-".into(), |p| format!("{p}%")),
                        latest.passed,
                        latest.failed,
                        latest.unknown,
                        latest.exempt,
                        trend.join(" → ")
                    )?;
                }
                if scores.is_empty() {
                    out = "no posture evaluation yet: run `palisade discover` or `palisade posture run`\n".into();
                }
                print(&out)?;
                Ok(Outcome::Clean)
            }
            PostureCommand::Exempt {
                check,
                resource,
                scope,
                reason,
                expires,
                author,
            } => {
                let check = known_check(check)?;
                let reason = reason.trim();
                if reason.is_empty() || reason.len() > 2000 {
                    bail!("--reason must say why the failure is accepted (1 to 2000 bytes)");
                }
                let at = now();
                let expires_at = expires.as_deref().map(|e| parse_expiry(e, at)).transpose()?;
                let names = Names::load(&engine).await?;
                let target = if let Some(r) = resource {
                    let key = ResourceKey::from_stored(r.trim().to_ascii_lowercase());
                    let known = engine
                        .store()
                        .posture_results(&PostureFilter {
                            checks: vec![check.id.to_owned()],
                            resource: Some(key.clone()),
                            limit: 1,
                            ..PostureFilter::default()
                        })
                        .await?;
                    if known.is_empty() {
                        bail!(
                            "{} has no result on {key}: see the resource keys with `palisade posture list --check {} --format json`",
                            check.id,
                            check.id
                        );
                    }
                    ExemptionTarget::Resource(key)
                } else {
                    let (org, project) = names.resolve(scope.as_deref().unwrap_or_default())?;
                    ExemptionTarget::Scope(project.map_or_else(|| org.clone(), |p| format!("{org}/{p}")))
                };
                let e = engine
                    .store()
                    .create_exemption(
                        &NewExemption {
                            check_id: check.id.to_owned(),
                            target,
                            reason: reason.to_owned(),
                            author: author.clone().unwrap_or_else(os_user),
                            expires_at,
                        },
                        at,
                    )
                    .await?;
                let until = e.expires_at.map_or_else(|| "until revoked".into(), |t| format!("until {}", t.to_rfc3339()));
                let what = match &e.target {
                    ExemptionTarget::Resource(k) => format!("resource {k}"),
                    ExemptionTarget::Scope(s) => format!("everything in {}", names.scope_label(s)),
                };
                print(&format!("exemption {} of {} on {what}, {until}\n", e.id, e.check_id))?;
                Ok(Outcome::Clean)
            }
            PostureCommand::Exemptions { all, audit, format } => {
                let store = engine.store();
                if *audit {
                    let trail = store.exemption_audit(None).await?;
                    if *format == OutFormat::Json {
                        print_json(&trail)?;
                    } else {
                        let mut out = String::new();
                        writeln!(out, "{:25}  {:8}  {:36}  {:16}  REASON", "AT", "ACTION", "EXEMPTION", "BY")?;
                        for a in &trail {
                            writeln!(out, "{:25}  {:8}  {:36}  {:16}  {}", a.at.to_rfc3339(), a.action, a.exemption, a.actor, a.reason)?;
                        }
                        print(&out)?;
                    }
                    return Ok(Outcome::Clean);
                }
                let at = now();
                let list = store.list_exemptions(*all, at).await?;
                if *format == OutFormat::Json {
                    print_json(&list)?;
                } else {
                    let mut out = String::new();
                    writeln!(out, "{:36}  {:8}  {:45}  {:30}  {:25}  {:12}  REASON", "ID", "STATE", "CHECK", "TARGET", "EXPIRES", "AUTHOR")?;
                    for e in &list {
                        let state = if e.revoked_at.is_some() {
                            "revoked"
                        } else if e.is_active(at) {
                            "active"
                        } else {
                            "expired"
                        };
                        let expires = e.expires_at.map_or_else(|| "never".into(), Timestamp::to_rfc3339);
                        writeln!(out, "{:36}  {:8}  {:45}  {:30}  {:25}  {:12}  {}", e.id, state, e.check_id, e.target.value(), expires, e.author, e.reason)?;
                    }
                    print(&out)?;
                }
                Ok(Outcome::Clean)
            }
            PostureCommand::Revoke { id, reason, author } => {
                let reason = reason.trim();
                if reason.is_empty() {
                    bail!("--reason must say why the exemption is revoked");
                }
                let e = engine
                    .store()
                    .revoke_exemption(id.trim(), &author.clone().unwrap_or_else(os_user), reason, now())
                    .await?;
                print(&format!("exemption {} revoked: {} failures count again\n", e.id, e.check_id))?;
                Ok(Outcome::Clean)
            }
            PostureCommand::Checks { .. } | PostureCommand::Explain { .. } => unreachable!("handled above"),
        }
    })
}

pub(crate) fn os_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "unknown".into())
}

fn known_check(id: &str) -> anyhow::Result<&'static palisade_posture::Check> {
    palisade_posture::find(id.trim()).ok_or_else(|| {
        anyhow!(
            "unknown posture check {:?}: see `palisade posture checks`",
            id.trim()
        )
    })
}

/// `30d`, `12h` from now, or a date (UTC end of that day), or RFC 3339.
pub(crate) fn parse_expiry(text: &str, now: Timestamp) -> anyhow::Result<Timestamp> {
    let t = text.trim();
    let at = if let Ok(d) = crate::args::parse_duration(t) {
        let ms = i64::try_from(d.as_millis()).context("--expires is too far away")?;
        Timestamp::from_millis(now.millis().saturating_add(ms))
    } else if let Ok(date) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        let end = date
            .and_hms_milli_opt(23, 59, 59, 999)
            .ok_or_else(|| anyhow!("--expires {t:?} is not a date"))?;
        Timestamp::from_millis(end.and_utc().timestamp_millis())
    } else if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
        Timestamp::from_millis(dt.timestamp_millis())
    } else {
        bail!("--expires {t:?} is not a duration (30d, 12h) or a date (2027-03-31)");
    };
    if at <= now {
        bail!("--expires {t:?} is in the past: it must end in the future");
    }
    Ok(at)
}

async fn run_now(engine: &Engine, connector: Option<&str>, format: OutFormat) -> anyhow::Result<Outcome> {
    let store = engine.store();
    let connectors = match connector {
        Some(c) => vec![store.get_connector(c).await?],
        None => store.list_connectors().await?,
    };
    if connectors.is_empty() {
        bail!("no connector yet: create one with `palisade connector create`, then `palisade discover`");
    }
    let mut reports = Vec::new();
    for c in &connectors {
        let report = engine.evaluate_posture(c, "manual").await?;
        reports.push((c.config.name.to_string(), report));
    }
    if format == OutFormat::Json {
        let doc: Vec<_> = reports
            .iter()
            .map(|(name, r)| serde_json::json!({"connector": name, "report": r}))
            .collect();
        print_json(&doc)?;
        return Ok(Outcome::Clean);
    }
    let names = Names::load(engine).await?;
    let mut out = String::new();
    for (name, r) in &reports {
        let c = &r.changes;
        writeln!(
            out,
            "{name}: {} checks over {} resources: {} results ({} new, {} changed, {} newly failing, {} fixed, {} gone) in {} ms (read {} ms, checks {} ms, record {} ms)",
            r.evaluation.checks,
            r.resources,
            r.evaluation.results,
            c.added,
            c.changed,
            c.newly_failing,
            c.fixed,
            c.removed,
            r.load_ms + r.evaluate_ms + r.record_ms,
            r.load_ms,
            r.evaluate_ms,
            r.record_ms
        )?;
        for (scope, s) in &r.scores {
            if !scope.contains('/') {
                writeln!(
                    out,
                    "  {}: score {} ({} passed, {} failed, {} unknown, {} exempt)",
                    names.scope_label(scope),
                    s.percent().map_or_else(|| "-".into(), |p| format!("{p}%")),
                    s.passed,
                    s.failed,
                    s.unknown,
                    s.exempt
                )?;
            }
        }
        if r.resources == 0 {
            writeln!(
                out,
                "  the inventory is empty: run `palisade discover --connector {name}` first"
            )?;
        }
    }
    print(&out)?;
    Ok(Outcome::Clean)
}

async fn list(
    engine: &Engine,
    names: &Names,
    filter: &PostureFilter,
    hide_exempt: bool,
    format: PostureFormat,
) -> anyhow::Result<Outcome> {
    let at = now();
    let exemptions = engine.store().list_exemptions(false, at).await?;
    let mut rows: Vec<(StoredPostureResult, Option<&Exemption>)> = engine
        .store()
        .posture_results(filter)
        .await?
        .into_iter()
        .map(|r| {
            let e = (r.row.status == PostureStatus::Fail)
                .then(|| {
                    exemptions
                        .iter()
                        .find(|e| e.covers(&r.row.check_id, &r.row.resource, &r.row.scope_key(), at))
                })
                .flatten();
            (r, e)
        })
        .collect();
    if hide_exempt {
        rows.retain(|(_, e)| e.is_none());
    }
    let failing = rows
        .iter()
        .any(|(r, e)| r.row.status == PostureStatus::Fail && e.is_none());
    match format {
        PostureFormat::Json => {
            let doc: Vec<_> = rows
                .iter()
                .map(|(r, e)| {
                    let mut v = serde_json::to_value(r).unwrap_or_default();
                    v["scope"] = serde_json::json!(names.scope_label(&r.row.scope_key()));
                    v["exemption"] = serde_json::to_value(e).unwrap_or_default();
                    v
                })
                .collect();
            print_json(&doc)?;
        }
        PostureFormat::Sarif => {
            let mut checks: Vec<&str> = rows.iter().map(|(r, _)| r.row.check_id.as_str()).collect();
            checks.sort_unstable();
            checks.dedup();
            let rules: Vec<PostureRule> = checks
                .iter()
                .filter_map(|id| palisade_posture::find(id))
                .map(|c| PostureRule {
                    id: c.id.to_owned(),
                    title: c.title.to_owned(),
                    severity: c.severity,
                    rationale: c.rationale.to_owned(),
                    remediation: c.remediation.iter().map(|s| (*s).to_owned()).collect(),
                    references: c.references.iter().map(|s| (*s).to_owned()).collect(),
                })
                .collect();
            let results: Vec<PostureLogResult> = rows
                .iter()
                .map(|(r, e)| PostureLogResult {
                    check: r.row.check_id.clone(),
                    severity: r.row.severity,
                    resource_key: r.row.resource.to_string(),
                    resource_name: r.row.resource_name.clone(),
                    resource_kind: r.row.resource_kind.to_string(),
                    status: r.row.status,
                    reason: r.row.reason.clone(),
                    exemption: e.map(|e| e.reason.clone()),
                })
                .collect();
            let mut buf = Vec::new();
            posture_sarif::render(&rules, &results, &mut buf)?;
            print(&String::from_utf8(buf)?)?;
        }
        PostureFormat::Table => {
            let mut out = String::new();
            writeln!(
                out,
                "{:14}  {:8}  {:50}  {:45}  {:10}  REASON",
                "STATUS", "SEVERITY", "CHECK", "RESOURCE", "SINCE"
            )?;
            for (r, e) in &rows {
                let status = match (r.row.status, e) {
                    (PostureStatus::Fail, Some(_)) => "exempt".to_owned(),
                    (s, _) => s.as_str().to_owned(),
                };
                let resource = format!(
                    "{} {} ({})",
                    r.row.resource_kind,
                    r.row.resource_name,
                    names.scope_label(&r.row.scope_key())
                );
                let since = r.status_since.to_rfc3339();
                let mut reason = r.row.reason.clone();
                if let Some(e) = e {
                    write!(reason, " [exempt by {}: {}]", e.author, e.reason)?;
                }
                writeln!(
                    out,
                    "{:14}  {:8}  {:50}  {:45}  {:10}  {}",
                    status,
                    r.row.severity.as_str(),
                    r.row.check_id,
                    resource,
                    since.get(..10).unwrap_or(&since),
                    reason
                )?;
            }
            if rows.is_empty() {
                out.push_str("no results: run `palisade discover` (posture is evaluated after it) or `palisade posture run`\n");
            }
            print(&out)?;
        }
    }
    Ok(if failing {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

fn checks(format: OutFormat) -> anyhow::Result<Outcome> {
    let all = palisade_posture::all();
    if format == OutFormat::Json {
        let doc: Vec<_> = all.iter().map(|c| check_json(c)).collect();
        print_json(&doc)?;
        return Ok(Outcome::Clean);
    }
    let mut out = String::new();
    writeln!(out, "{:50}  {:8}  {:19}  TITLE", "ID", "SEVERITY", "RESOURCE")?;
    for c in all {
        writeln!(
            out,
            "{:50}  {:8}  {:19}  {}",
            c.id,
            c.severity.as_str(),
            c.target.as_str(),
            c.title
        )?;
    }
    writeln!(out, "{} checks", all.len())?;
    print(&out)?;
    Ok(Outcome::Clean)
}

fn check_json(c: &palisade_posture::Check) -> serde_json::Value {
    serde_json::json!({
        "id": c.id,
        "title": c.title,
        "severity": c.severity,
        "resource": c.target,
        "rationale": c.rationale,
        "remediation": c.remediation,
        "references": c.references,
        "permissions": c.permissions,
        "defender": c.defender,
        "azsk": c.azsk,
    })
}

fn explain(id: &str) -> anyhow::Result<Outcome> {
    let c = known_check(id)?;
    let mut out = String::new();
    writeln!(out, "{}  ({} severity, on each {})", c.id, c.severity, c.target)?;
    writeln!(out, "{}\n", c.title)?;
    writeln!(out, "Why: {}\n", c.rationale)?;
    writeln!(out, "Fix:")?;
    for (i, step) in c.remediation.iter().enumerate() {
        writeln!(out, "  {}. {step}", i + 1)?;
    }
    writeln!(out, "\nData needs: {}", c.permissions)?;
    if let Some(d) = c.defender {
        writeln!(out, "Defender for Cloud: {d}")?;
    }
    if !c.azsk.is_empty() {
        writeln!(out, "AzSK ADO Scanner: {}", c.azsk.join(", "))?;
    }
    writeln!(out, "References:")?;
    for r in c.references {
        writeln!(out, "  {r}")?;
    }
    print(&out)?;
    Ok(Outcome::Clean)
}

/// Organization and project names of the inventory, for scopes people type
/// and read.
struct Names {
    /// org id → name.
    orgs: HashMap<String, String>,
    /// (org id, project id) → name.
    projects: HashMap<(String, String), String>,
}

impl Names {
    async fn load(engine: &Engine) -> anyhow::Result<Self> {
        let resources = engine
            .store()
            .list_resources(&ResourceFilter {
                kinds: vec![ResourceKind::Organization, ResourceKind::Project],
                ..ResourceFilter::default()
            })
            .await?;
        let mut names = Self {
            orgs: HashMap::new(),
            projects: HashMap::new(),
        };
        for r in resources {
            let org = r.key.as_str().split('/').next().unwrap_or_default().to_owned();
            match r.resource {
                Resource::Organization(o) => {
                    names.orgs.insert(org, o.name);
                }
                Resource::Project(p) => {
                    names.projects.insert((org, p.id.to_ascii_lowercase()), p.name);
                }
                _ => {}
            }
        }
        Ok(names)
    }

    /// `ORG` or `ORG/PROJECT`, by name or id, to lowercase ids.
    fn resolve(&self, text: &str) -> anyhow::Result<(String, Option<String>)> {
        let text = text.trim();
        let (org_text, project_text) = match text.split_once('/') {
            Some((o, p)) => (o.trim(), Some(p.trim())),
            None => (text, None),
        };
        let org = self
            .orgs
            .iter()
            .find(|(id, name)| id.eq_ignore_ascii_case(org_text) || name.eq_ignore_ascii_case(org_text))
            .map(|(id, _)| id.clone())
            .ok_or_else(|| {
                let mut known: Vec<&str> = self.orgs.values().map(String::as_str).collect();
                known.sort_unstable();
                anyhow!(
                    "no discovered organization {org_text:?} (known: {}); run `palisade discover` first",
                    if known.is_empty() {
                        "none".into()
                    } else {
                        known.join(", ")
                    }
                )
            })?;
        let Some(project_text) = project_text else {
            return Ok((org, None));
        };
        let project = self
            .projects
            .iter()
            .find(|((o, id), name)| {
                *o == org
                    && (id.eq_ignore_ascii_case(project_text) || name.eq_ignore_ascii_case(project_text))
            })
            .map(|((_, id), _)| id.clone())
            .ok_or_else(|| anyhow!("no discovered project {project_text:?} in organization {org_text:?}"))?;
        Ok((org, Some(project)))
    }

    /// `contoso` or `contoso/Shop` for a scope key.
    fn scope_label(&self, scope_key: &str) -> String {
        let (org, project) = match scope_key.split_once('/') {
            Some((o, p)) => (o, Some(p)),
            None => (scope_key, None),
        };
        let org_name = self.orgs.get(org).map_or(org, String::as_str);
        match project {
            Some(p) => {
                let name = self
                    .projects
                    .get(&(org.to_owned(), p.to_owned()))
                    .map_or(p, String::as_str);
                format!("{org_name}/{name}")
            }
            None => org_name.to_owned(),
        }
    }
}
