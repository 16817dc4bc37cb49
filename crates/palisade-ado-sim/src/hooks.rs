//! Service hooks: web-hook subscriptions (`{base}/_apis/hooks/subscriptions`) and the delivery of
//! events to them.
//!
//! Only the `webHooks` consumer (`httpRequest` action) of the `tfs` publisher is implemented, for
//! `git.push`, `git.pullrequest.created` and `git.pullrequest.updated` (other `tfs` event types
//! are accepted and stored but never fire). Events are delivered asynchronously: one spawned task
//! per (event, subscription) POSTs the payload with the subscription's basic auth and headers,
//! with a short timeout and retries with backoff (knobs `hooks.*`). A delivery that still fails
//! puts the subscription `onProbation`, as ADO does; the next success brings it back to
//! `enabled`. Every attempt is recorded ([`HookDelivery`], `GET /_sim/hooks/deliveries`).
//!
//! Payloads use the URL form the subscription was created through (the simulator's "primary
//! URL" for that subscriber). Confidential consumer inputs come back as `********`.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::error::{AdoError, AdoResult};
use crate::fixture::User;
use crate::routes::{identity_ref, org_of};
use crate::server::{Ctx, Identity, SimState, UrlForm, json_response, list_response, lock};

/// Consumer inputs never returned in clear.
const CONFIDENTIAL: &[&str] = &["basicAuthPassword", "httpHeaders"];
const MASK: &str = "********";

/// Event types of the `tfs` publisher the simulator accepts subscriptions for.
const KNOWN_EVENTS: &[&str] = &[
    "git.push",
    "git.pullrequest.created",
    "git.pullrequest.updated",
    "git.pullrequest.merged",
    "git.repo.created",
    "git.repo.deleted",
    "git.repo.forked",
    "git.repo.renamed",
    "build.complete",
    "ms.vss-release.deployment-completed-event",
    "tfvc.checkin",
    "workitem.created",
    "workitem.updated",
    "workitem.commented",
    "workitem.deleted",
    "workitem.restored",
];

/// Event types the simulator raises.
pub(crate) const PUSH: &str = "git.push";
pub(crate) const PR_CREATED: &str = "git.pullrequest.created";
pub(crate) const PR_UPDATED: &str = "git.pullrequest.updated";

/// Subscriptions, deliveries and counters.
#[derive(Debug, Default)]
pub(crate) struct HookStore {
    subs: Vec<Subscription>,
    deliveries: Vec<HookDelivery>,
    next_notification: u64,
    next_delivery: u64,
}

/// The most delivery records kept (oldest dropped first).
const MAX_DELIVERIES: usize = 10_000;

#[derive(Debug, Clone)]
pub(crate) struct Subscription {
    id: Uuid,
    org: String,
    base: String,
    form: UrlForm,
    event_type: String,
    resource_version: String,
    publisher_inputs: BTreeMap<String, String>,
    consumer_inputs: BTreeMap<String, String>,
    created_by: User,
    created: DateTime<Utc>,
    status: String,
    probation_retries: u32,
}

/// One delivery of one event to one subscription, with every attempt made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HookDelivery {
    /// Sequence number of this record.
    pub delivery_id: u64,
    /// `notificationId` of the payload (the same for a replay).
    pub notification_id: u64,
    pub subscription_id: Uuid,
    /// `id` of the event in the payload (the same for a replay).
    pub event_id: Uuid,
    pub event_type: String,
    pub url: String,
    /// A replay of an earlier delivery (`POST /_sim/hooks/replay`).
    pub replay: bool,
    pub state: DeliveryState,
    pub attempts: Vec<DeliveryAttempt>,
    /// The JSON body sent.
    pub payload: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryState {
    Pending,
    Succeeded,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryAttempt {
    pub at: DateTime<Utc>,
    /// HTTP status answered, if any.
    pub status: Option<u16>,
    /// Why no answer came (connection refused, timeout).
    pub error: Option<String>,
    pub millis: u64,
}

/// `text`/`html`/`markdown` of an event message.
#[derive(Debug, Clone, Default)]
pub(crate) struct Message {
    pub text: String,
    pub html: String,
    pub markdown: String,
}

impl Message {
    pub fn plain(text: impl Into<String>) -> Self {
        let text = text.into();
        Self {
            html: text.clone(),
            markdown: text.clone(),
            text,
        }
    }
}

/// Builds an event's `resource` for the base URL of one subscription.
pub(crate) type ResourceFn = Box<dyn Fn(&Ctx) -> Value + Send + Sync>;

/// An event to publish.
#[expect(clippy::struct_field_names, reason = "ADO's own name: eventType")]
pub(crate) struct Event {
    pub event_type: &'static str,
    pub org: String,
    pub project_id: Uuid,
    pub repo_id: Uuid,
    /// Branches the event is about (a push's refs; a pull request's target), for `branch` filters.
    pub branches: Vec<String>,
    /// `notificationType` of a `git.pullrequest.updated` event.
    pub notification_type: Option<&'static str>,
    pub message: Message,
    pub detailed: Message,
    pub resource: ResourceFn,
}

fn now_str(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn short_branch(b: &str) -> &str {
    b.strip_prefix("refs/heads/").unwrap_or(b)
}

impl Subscription {
    fn input(&self, key: &str) -> Option<&str> {
        self.publisher_inputs
            .get(key)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }

    fn matches(&self, e: &Event) -> bool {
        if !self.org.eq_ignore_ascii_case(&e.org)
            || self.event_type != e.event_type
            || self.status.starts_with("disabled")
        {
            return false;
        }
        let guid_is = |key: &str, id: Uuid| {
            self.input(key)
                .is_none_or(|v| Uuid::parse_str(v).is_ok_and(|x| x == id))
        };
        if !guid_is("projectId", e.project_id) || !guid_is("repository", e.repo_id) {
            return false;
        }
        if let Some(b) = self.input("branch")
            && !e.branches.iter().any(|x| short_branch(x) == short_branch(b))
        {
            return false;
        }
        if e.event_type == PR_UPDATED
            && let Some(t) = self.input("notificationType")
            && e.notification_type != Some(t)
        {
            return false;
        }
        true
    }

    /// A context whose URLs use the form and host the subscription was created through.
    fn ctx(&self) -> Ctx {
        let root = self
            .base
            .split_once("://")
            .map(|(scheme, rest)| format!("{scheme}://{}", rest.split('/').next().unwrap_or(rest)))
            .unwrap_or_default();
        Ctx {
            base: self.base.clone(),
            root,
            form: self.form,
            org: self.org.clone(),
            project: None,
            query: Vec::new(),
            body: Bytes::new(),
            identity: Identity {
                user: self.created_by.clone(),
                scopes: Vec::new(),
            },
        }
    }

    fn json(&self, ctx: &Ctx, org_id: Uuid, repo_name: Option<&str>) -> Value {
        let mut publisher: Map<String, Value> = self
            .publisher_inputs
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        publisher.insert("hostId".into(), json!(org_id.to_string()));
        publisher.insert(
            "tfsSubscriptionId".into(),
            json!(crate::fixture::stable_id(&["tfs-subscription", &self.id.to_string()]).to_string()),
        );
        let consumer: Map<String, Value> = self
            .consumer_inputs
            .iter()
            .map(|(k, v)| {
                let shown = if CONFIDENTIAL.contains(&k.as_str()) && !v.is_empty() {
                    MASK
                } else {
                    v.as_str()
                };
                (k.clone(), json!(shown))
            })
            .collect();
        let mut description = Vec::new();
        if let Some(r) = repo_name {
            description.push(format!("Repository {r}"));
        }
        if let Some(b) = self.input("branch") {
            description.push(format!("Branch {}", short_branch(b)));
        }
        if let Some(t) = self.input("notificationType") {
            description.push(t.to_string());
        }
        let host = self
            .consumer_inputs
            .get("url")
            .and_then(|u| url_host(u))
            .unwrap_or_default();
        let who = identity_ref(ctx, &self.created_by);
        let mut v = json!({
            "id": self.id.to_string(),
            "url": format!("{}/_apis/hooks/subscriptions/{}", ctx.base, self.id),
            "status": self.status,
            "publisherId": "tfs",
            "eventType": self.event_type,
            "resourceVersion": self.resource_version,
            "eventDescription": if description.is_empty() { "Any".to_string() } else { description.join(", ") },
            "consumerId": "webHooks",
            "consumerActionId": "httpRequest",
            "actionDescription": format!("To host {host}"),
            "createdBy": who,
            "createdDate": now_str(self.created),
            "modifiedBy": who,
            "modifiedDate": now_str(self.created),
            "publisherInputs": publisher,
            "consumerInputs": consumer,
        });
        if self.status == "onProbation" {
            v["probationRetries"] = json!(self.probation_retries);
        }
        v
    }
}

fn url_host(u: &str) -> Option<String> {
    let rest = u.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    Some(host.to_string())
}

/// Whether `url` points at a loopback, private or link-local address (ADO refuses those).
fn special_target(url: &str) -> bool {
    let Some(host) = url_host(url) else {
        return true;
    };
    let bare = if host.starts_with('[') {
        host.trim_start_matches('[')
            .split(']')
            .next()
            .unwrap_or_default()
            .to_string()
    } else {
        host.rsplit_once(':').map_or(host.clone(), |(h, _)| h.to_string())
    };
    if bare.eq_ignore_ascii_case("localhost") || bare.to_ascii_lowercase().ends_with(".localhost") {
        return true;
    }
    match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => {
            ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.is_unspecified()
        }
        Ok(IpAddr::V6(ip)) => {
            ip.is_loopback() || ip.is_unspecified() || (ip.segments()[0] & 0xfe00) == 0xfc00
        }
        Err(_) => false,
    }
}

/// The `Name:value` lines of an `httpHeaders` input.
fn parse_headers(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!(
                "line {} of httpHeaders is not in the form Name:value",
                i + 1
            ));
        };
        let name = name.trim();
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
        {
            return Err(format!(
                "line {} of httpHeaders has an invalid header name",
                i + 1
            ));
        }
        out.push((name.to_string(), value.trim().to_string()));
    }
    Ok(out)
}

fn inputs(body: &Value, key: &str) -> AdoResult<BTreeMap<String, String>> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                Value::Number(n) => Ok((k.clone(), n.to_string())),
                Value::Bool(b) => Ok((k.clone(), b.to_string())),
                Value::Null => Ok((k.clone(), String::new())),
                _ => Err(AdoError::bad_request(format!(
                    "The value of {key}.{k} must be a string."
                ))),
            })
            .collect(),
        Some(_) => Err(AdoError::bad_request(format!(
            "{key} must be an object of strings."
        ))),
    }
}

pub(crate) fn create(state: &SimState, ctx: &Ctx) -> AdoResult<Response> {
    let body: Value = serde_json::from_slice(&ctx.body)
        .map_err(|_| AdoError::bad_request("VS402904: The request body is not valid JSON or is missing."))?;
    if !body.is_object() {
        return Err(AdoError::bad_request("The subscription must be a JSON object."));
    }
    let text = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    let publisher = text("publisherId");
    if publisher != "tfs" {
        return Err(AdoError::bad_request(format!(
            "The publisher '{publisher}' is not supported; the simulator implements publisherId 'tfs'."
        )));
    }
    let event_type = text("eventType");
    if !KNOWN_EVENTS.contains(&event_type.as_str()) {
        return Err(AdoError::bad_request(format!(
            "The event type '{event_type}' is not supported by publisher 'tfs'."
        )));
    }
    if text("consumerId") != "webHooks" || text("consumerActionId") != "httpRequest" {
        return Err(AdoError::bad_request(
            "Only the webHooks consumer with the httpRequest action is supported by the simulator.",
        ));
    }
    let mut resource_version = text("resourceVersion");
    if resource_version.is_empty() {
        resource_version = "1.0".into();
    }
    let publisher_inputs = inputs(&body, "publisherInputs")?;
    let mut consumer_inputs = inputs(&body, "consumerInputs")?;
    let url = consumer_inputs.get("url").cloned().unwrap_or_default();
    let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
    if !scheme_ok || url_host(&url).is_none_or(|h| h.is_empty()) || url.chars().any(char::is_whitespace) {
        return Err(AdoError::bad_request(
            "The consumer input 'url' is required and must be an absolute http or https URL.",
        ));
    }
    if let Some(h) = consumer_inputs.get("httpHeaders") {
        parse_headers(h).map_err(AdoError::bad_request)?;
    }
    for (key, allowed) in [
        ("resourceDetailsToSend", &["all", "minimal", "none"][..]),
        ("messagesToSend", &["all", "text", "html", "markdown", "none"][..]),
        (
            "detailedMessagesToSend",
            &["all", "text", "html", "markdown", "none"][..],
        ),
    ] {
        let v = consumer_inputs
            .entry(key.to_string())
            .or_insert_with(|| "all".into());
        if !allowed.contains(&v.as_str()) {
            return Err(AdoError::bad_request(format!(
                "The consumer input '{key}' must be one of: {}.",
                allowed.join(", ")
            )));
        }
    }
    let has_basic = consumer_inputs
        .get("basicAuthPassword")
        .is_some_and(|p| !p.is_empty());
    if state.knobs().hooks.strict_targets {
        if special_target(&url) {
            return Err(AdoError::bad_request(
                "The consumer input 'url' cannot point to a loopback, private or link-local address.",
            ));
        }
        if has_basic && !url.starts_with("https://") {
            return Err(AdoError::bad_request(
                "Basic authentication requires an https URL.",
            ));
        }
    }
    let estate = state.estate();
    let org = org_of(&estate, ctx)?;
    if let Some(p) = publisher_inputs.get("projectId").filter(|p| !p.trim().is_empty()) {
        let project = Uuid::parse_str(p.trim())
            .ok()
            .and_then(|id| org.projects.iter().find(|x| x.id == Some(id)))
            .filter(|x| ctx.identity.can_see_project(&x.name))
            .ok_or_else(|| AdoError::bad_request(format!("The project '{p}' does not exist.")))?;
        if let Some(r) = publisher_inputs
            .get("repository")
            .filter(|r| !r.trim().is_empty())
        {
            let id = Uuid::parse_str(r.trim()).ok();
            if id.is_none() || !project.repos.iter().any(|x| x.id == id) {
                return Err(AdoError::bad_request(format!(
                    "The repository '{r}' does not exist in project {}.",
                    project.name
                )));
            }
        }
    } else if !event_type.starts_with("build.") && !event_type.starts_with("ms.") {
        return Err(AdoError::bad_request(
            "The publisher input 'projectId' is required for this event type.",
        ));
    }
    let org_id = org.guid();
    let org_name = org.name.clone();
    drop(estate);
    let sub = Subscription {
        id: Uuid::new_v4(),
        org: org_name,
        base: ctx.base.clone(),
        form: ctx.form,
        event_type,
        resource_version,
        publisher_inputs,
        consumer_inputs,
        created_by: ctx.identity.user.clone(),
        created: Utc::now(),
        status: "enabled".into(),
        probation_retries: 0,
    };
    let repo_name = repo_name(state, &sub);
    let v = sub.json(ctx, org_id, repo_name.as_deref());
    tracing::info!(id = %sub.id, event = %sub.event_type, "service hook subscription created");
    lock(&state.inner.hooks).subs.push(sub);
    Ok(json_response(&v))
}

fn repo_name(state: &SimState, sub: &Subscription) -> Option<String> {
    let id = Uuid::parse_str(sub.input("repository")?).ok()?;
    let estate = state.estate();
    let org = estate.org(&sub.org)?;
    org.projects
        .iter()
        .flat_map(|p| &p.repos)
        .find(|r| r.id == Some(id))
        .map(|r| r.name.clone())
}

fn visible(state: &SimState, ctx: &Ctx) -> AdoResult<(Uuid, Vec<Subscription>)> {
    let org_id = {
        let estate = state.estate();
        org_of(&estate, ctx)?.guid()
    };
    let subs = lock(&state.inner.hooks)
        .subs
        .iter()
        .filter(|s| s.org.eq_ignore_ascii_case(&ctx.org))
        .cloned()
        .collect();
    Ok((org_id, subs))
}

pub(crate) fn list(state: &SimState, ctx: &Ctx) -> AdoResult<Response> {
    let (org_id, subs) = visible(state, ctx)?;
    let want = |k: &str, v: &str| ctx.q(k).is_none_or(|q| q.is_empty() || q.eq_ignore_ascii_case(v));
    let items = subs
        .iter()
        .filter(|s| {
            want("publisherId", "tfs")
                && want("eventType", &s.event_type)
                && want("consumerId", "webHooks")
                && want("consumerActionId", "httpRequest")
        })
        .map(|s| s.json(ctx, org_id, repo_name(state, s).as_deref()))
        .collect();
    Ok(list_response(items, None))
}

fn not_found(id: &str) -> AdoError {
    AdoError::new(
        StatusCode::NOT_FOUND,
        "SubscriptionNotFoundException",
        format!("The subscription {id} does not exist."),
    )
}

pub(crate) fn get(state: &SimState, ctx: &Ctx, id: &str) -> AdoResult<Response> {
    let (org_id, subs) = visible(state, ctx)?;
    let wanted = Uuid::parse_str(id).map_err(|_| not_found(id))?;
    let s = subs
        .iter()
        .find(|s| s.id == wanted)
        .ok_or_else(|| not_found(id))?;
    Ok(json_response(&s.json(
        ctx,
        org_id,
        repo_name(state, s).as_deref(),
    )))
}

pub(crate) fn delete(state: &SimState, ctx: &Ctx, id: &str) -> AdoResult<Response> {
    let wanted = Uuid::parse_str(id).map_err(|_| not_found(id))?;
    {
        let estate = state.estate();
        org_of(&estate, ctx)?;
    }
    let mut store = lock(&state.inner.hooks);
    let before = store.subs.len();
    store
        .subs
        .retain(|s| !(s.id == wanted && s.org.eq_ignore_ascii_case(&ctx.org)));
    if store.subs.len() == before {
        return Err(not_found(id));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Keeps only id/url/name-style keys (`resourceDetailsToSend: minimal`).
fn minimal(resource: &Value) -> Value {
    const KEEP: &[&str] = &[
        "id",
        "pullRequestId",
        "pushId",
        "url",
        "name",
        "title",
        "status",
        "sourceRefName",
        "targetRefName",
    ];
    let Value::Object(m) = resource else {
        return resource.clone();
    };
    let mut out = Map::new();
    for (k, v) in m {
        if KEEP.contains(&k.as_str()) && !v.is_object() && !v.is_array() {
            out.insert(k.clone(), v.clone());
        } else if k == "repository" {
            out.insert(k.clone(), minimal(v));
        }
    }
    Value::Object(out)
}

fn message_json(m: &Message, mode: &str) -> Option<Value> {
    match mode {
        "none" => None,
        "text" => Some(json!({"text": m.text})),
        "html" => Some(json!({"html": m.html})),
        "markdown" => Some(json!({"markdown": m.markdown})),
        _ => Some(json!({"text": m.text, "html": m.html, "markdown": m.markdown})),
    }
}

/// Delivers `event` to every matching subscription (asynchronously).
pub(crate) fn publish(state: &SimState, event: &Event) {
    state.bump(|s| s.hook_events += 1);
    let subs: Vec<Subscription> = lock(&state.inner.hooks)
        .subs
        .iter()
        .filter(|s| s.matches(event))
        .cloned()
        .collect();
    if subs.is_empty() {
        return;
    }
    let (org_id, project_id) = {
        let estate = state.estate();
        (
            estate
                .org(&event.org)
                .map(crate::fixture::Org::guid)
                .unwrap_or_default(),
            event.project_id,
        )
    };
    let event_id = Uuid::new_v4();
    let created = Utc::now();
    for sub in subs {
        let ctx = sub.ctx();
        let mode = |k: &str| {
            sub.consumer_inputs
                .get(k)
                .map_or("all", String::as_str)
                .to_string()
        };
        let resource = match mode("resourceDetailsToSend").as_str() {
            "none" => None,
            "minimal" => Some(minimal(&(event.resource)(&ctx))),
            _ => Some((event.resource)(&ctx)),
        };
        let (delivery_id, notification_id) = {
            let mut store = lock(&state.inner.hooks);
            store.next_notification += 1;
            store.next_delivery += 1;
            (store.next_delivery, store.next_notification)
        };
        let container = |id: Uuid| json!({"id": id.to_string(), "baseUrl": format!("{}/", ctx.base)});
        let mut payload = json!({
            "subscriptionId": sub.id.to_string(),
            "notificationId": notification_id,
            "id": event_id.to_string(),
            "eventType": event.event_type,
            "publisherId": "tfs",
            "resourceVersion": sub.resource_version,
            "resourceContainers": {
                "collection": container(org_id),
                "account": container(org_id),
                "project": container(project_id),
            },
            "createdDate": created.to_rfc3339_opts(SecondsFormat::Micros, true),
        });
        if let Some(m) = message_json(&event.message, &mode("messagesToSend")) {
            payload["message"] = m;
        }
        if let Some(m) = message_json(&event.detailed, &mode("detailedMessagesToSend")) {
            payload["detailedMessage"] = m;
        }
        if let Some(r) = resource {
            payload["resource"] = r;
        }
        let record = HookDelivery {
            delivery_id,
            notification_id,
            subscription_id: sub.id,
            event_id,
            event_type: event.event_type.to_string(),
            url: sub.consumer_inputs.get("url").cloned().unwrap_or_default(),
            replay: false,
            state: DeliveryState::Pending,
            attempts: Vec::new(),
            payload,
        };
        start_delivery(state, &sub, record);
    }
}

fn start_delivery(state: &SimState, sub: &Subscription, record: HookDelivery) {
    let body = record.payload.to_string();
    let delivery_id = record.delivery_id;
    {
        let mut store = lock(&state.inner.hooks);
        store.deliveries.push(record);
        if store.deliveries.len() > MAX_DELIVERIES {
            let extra = store.deliveries.len() - MAX_DELIVERIES;
            store.deliveries.drain(..extra);
        }
    }
    state.inner.hooks_inflight.fetch_add(1, Ordering::SeqCst);
    let state = state.clone();
    let sub = sub.clone();
    tokio::spawn(async move {
        deliver(&state, &sub, delivery_id, body).await;
        state.inner.hooks_inflight.fetch_sub(1, Ordering::SeqCst);
    });
}

async fn deliver(state: &SimState, sub: &Subscription, delivery_id: u64, body: String) {
    let knobs = state.knobs().hooks;
    let url = sub.consumer_inputs.get("url").cloned().unwrap_or_default();
    let user = sub
        .consumer_inputs
        .get("basicAuthUsername")
        .cloned()
        .unwrap_or_default();
    let password = sub
        .consumer_inputs
        .get("basicAuthPassword")
        .cloned()
        .unwrap_or_default();
    let headers = sub
        .consumer_inputs
        .get("httpHeaders")
        .map(|h| parse_headers(h).unwrap_or_default())
        .unwrap_or_default();
    let attempts = knobs.max_attempts.max(1);
    let mut ok = false;
    for n in 1..=attempts {
        let started = Instant::now();
        let at = Utc::now();
        let mut req = state
            .inner
            .http
            .post(&url)
            .timeout(Duration::from_millis(knobs.timeout_ms.max(1)))
            .header("content-type", "application/json; charset=utf-8")
            .body(body.clone());
        if !user.is_empty() || !password.is_empty() {
            req = req.basic_auth(&user, Some(&password));
        }
        for (k, v) in &headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let (status, error) = match req.send().await {
            Ok(resp) => (Some(resp.status().as_u16()), None),
            Err(e) => (
                None,
                Some(if e.is_timeout() {
                    "timed out".to_string()
                } else if e.is_connect() {
                    "connection failed".to_string()
                } else {
                    "request failed".to_string()
                }),
            ),
        };
        ok = status.is_some_and(|s| (200..300).contains(&s));
        state.bump(|s| s.hook_delivery_attempts += 1);
        {
            let mut store = lock(&state.inner.hooks);
            if let Some(d) = store.deliveries.iter_mut().find(|d| d.delivery_id == delivery_id) {
                d.attempts.push(DeliveryAttempt {
                    at,
                    status,
                    error,
                    millis: started.elapsed().as_millis() as u64,
                });
                if ok {
                    d.state = DeliveryState::Succeeded;
                } else if n == attempts {
                    d.state = DeliveryState::Failed;
                }
            }
        }
        if ok || n == attempts {
            break;
        }
        let backoff = knobs.backoff_ms.saturating_mul(1 << (n - 1).min(10)).min(30_000);
        tokio::time::sleep(Duration::from_millis(backoff)).await;
    }
    state.bump(|s| {
        if ok {
            s.hook_deliveries_succeeded += 1;
        } else {
            s.hook_deliveries_failed += 1;
        }
    });
    let mut store = lock(&state.inner.hooks);
    if let Some(s) = store.subs.iter_mut().find(|s| s.id == sub.id) {
        if ok {
            s.status = "enabled".into();
            s.probation_retries = 0;
        } else {
            s.status = "onProbation".into();
            s.probation_retries = s.probation_retries.saturating_add(1);
        }
    }
}

impl SimState {
    /// Every delivery recorded so far (oldest first).
    pub fn hook_deliveries(&self) -> Vec<HookDelivery> {
        lock(&self.inner.hooks).deliveries.clone()
    }

    /// Sends the payload of delivery `delivery_id` (default: the last one) again, unchanged
    /// (same `notificationId` and event `id`), to its subscription's current target.
    pub fn replay_delivery(&self, delivery_id: Option<u64>) -> Option<HookDelivery> {
        let (sub, record) = {
            let mut store = lock(&self.inner.hooks);
            let old = match delivery_id {
                Some(id) => store.deliveries.iter().find(|d| d.delivery_id == id),
                None => store
                    .deliveries
                    .iter()
                    .rev()
                    .find(|d| !d.replay)
                    .or(store.deliveries.last()),
            }?
            .clone();
            let sub = store.subs.iter().find(|s| s.id == old.subscription_id)?.clone();
            store.next_delivery += 1;
            let record = HookDelivery {
                delivery_id: store.next_delivery,
                replay: true,
                state: DeliveryState::Pending,
                attempts: Vec::new(),
                url: sub.consumer_inputs.get("url").cloned().unwrap_or_default(),
                ..old
            };
            (sub, record)
        };
        start_delivery(self, &sub, record.clone());
        Some(record)
    }

    /// Waits until no delivery is in flight (or `timeout` passes); `true` when settled.
    pub async fn hooks_settled(&self, timeout: Duration) -> bool {
        let end = Instant::now() + timeout;
        loop {
            if self.inner.hooks_inflight.load(Ordering::SeqCst) == 0 {
                return true;
            }
            if Instant::now() >= end {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_targets_are_recognised() {
        for u in [
            "http://127.0.0.1:8080/x",
            "http://localhost/x",
            "https://10.1.2.3/",
            "http://[::1]:99/",
            "http://192.168.1.1",
            "http://169.254.169.254/latest",
        ] {
            assert!(special_target(u), "{u}");
        }
        for u in ["https://hooks.contoso.example/ado", "https://8.8.8.8/x"] {
            assert!(!special_target(u), "{u}");
        }
    }

    #[test]
    fn header_lines_are_parsed_and_checked() {
        let h = parse_headers("X-Palisade-Token: abc:def\n\nX-Other:1\r\n").unwrap();
        assert_eq!(
            h,
            vec![
                ("X-Palisade-Token".into(), "abc:def".into()),
                ("X-Other".into(), "1".into())
            ]
        );
        assert!(parse_headers("no colon").is_err());
        assert!(parse_headers("Bad Name: x").is_err());
    }
}
