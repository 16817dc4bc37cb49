//! Service hooks: web-hook subscriptions (`_apis/hooks/subscriptions`) and the event payloads
//! Azure DevOps POSTs to them.
//!
//! Event payloads are untrusted input (anyone who can reach the receiver can send one), so they
//! are parsed by hand with limits: [`ServiceHookEvent::parse`] checks the envelope, and
//! [`ServiceHookEvent::pull_request`] / [`ServiceHookEvent::push`] check the resource. Optional
//! fields may be missing; present ones must have the right type and form (GUIDs, 40-hex commit
//! ids, `refs/...` names that are safe to hand to git), or parsing fails with the field's path.
//! `resourceContainers.*.baseUrl` is informational: never send credentials to a URL taken from
//! a payload.

use secrecy::SecretString;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::IdentityRef;

/// An event type of the `tfs` publisher.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum HookEventType {
    /// `git.pullrequest.created`.
    PullRequestCreated,
    /// `git.pullrequest.updated` (source pushed, status, reviewers, votes, title).
    PullRequestUpdated,
    /// `git.push`.
    Push,
    Other(String),
}

impl HookEventType {
    pub fn as_str(&self) -> &str {
        match self {
            Self::PullRequestCreated => "git.pullrequest.created",
            Self::PullRequestUpdated => "git.pullrequest.updated",
            Self::Push => "git.push",
            Self::Other(s) => s,
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "git.pullrequest.created" => Self::PullRequestCreated,
            "git.pullrequest.updated" => Self::PullRequestUpdated,
            "git.push" => Self::Push,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// `publisherInputs` of a subscription (the filters and what the server adds).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublisherInputs {
    #[serde(default)]
    pub project_id: Option<String>,
    /// Repository GUID.
    #[serde(default)]
    pub repository: Option<String>,
    #[serde(default)]
    pub branch: Option<String>,
    #[serde(default)]
    pub notification_type: Option<String>,
    #[serde(default)]
    pub host_id: Option<String>,
    #[serde(default)]
    pub tfs_subscription_id: Option<String>,
}

/// `consumerInputs` of a web-hook subscription, without the confidential ones
/// (`basicAuthPassword`, `httpHeaders`), which are never read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsumerInputs {
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub basic_auth_username: Option<String>,
    #[serde(default)]
    pub resource_details_to_send: Option<String>,
    #[serde(default)]
    pub messages_to_send: Option<String>,
    #[serde(default)]
    pub detailed_messages_to_send: Option<String>,
}

/// `_apis/hooks/subscriptions`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub id: String,
    #[serde(default)]
    pub url: Option<String>,
    /// `enabled`, `onProbation`, `disabledByUser`, `disabledBySystem`, ...
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub publisher_id: Option<String>,
    pub event_type: String,
    #[serde(default)]
    pub resource_version: Option<String>,
    #[serde(default)]
    pub consumer_id: Option<String>,
    #[serde(default)]
    pub consumer_action_id: Option<String>,
    #[serde(default)]
    pub publisher_inputs: PublisherInputs,
    #[serde(default)]
    pub consumer_inputs: ConsumerInputs,
    #[serde(default)]
    pub event_description: Option<String>,
    #[serde(default)]
    pub action_description: Option<String>,
    #[serde(default)]
    pub created_by: Option<IdentityRef>,
    #[serde(default)]
    pub created_date: Option<String>,
    #[serde(default)]
    pub modified_date: Option<String>,
    /// Consecutive failed deliveries (only while `onProbation`).
    #[serde(default)]
    pub probation_retries: Option<Value>,
}

impl Subscription {
    pub fn kind(&self) -> HookEventType {
        HookEventType::parse(&self.event_type)
    }
}

/// A web-hook subscription to create (publisher `tfs`, consumer `webHooks`, action `httpRequest`).
#[derive(Clone, Debug)]
pub struct NewSubscription {
    pub event_type: HookEventType,
    /// Project GUID.
    pub project_id: String,
    /// Repository GUID; `None` = every repository of the project.
    pub repository: Option<String>,
    /// Branch filter (`main`); for pull request events it filters the target branch.
    pub branch: Option<String>,
    /// `PushNotification`, `StatusUpdateNotification`, ... (`git.pullrequest.updated` only).
    pub notification_type: Option<String>,
    /// Where events are sent (HTTP POST).
    pub url: String,
    /// Basic authentication of the deliveries: user name and password.
    pub basic_auth: Option<(String, SecretString)>,
    /// Extra headers of the deliveries (`Name`, value).
    pub http_headers: Vec<(String, SecretString)>,
}

impl NewSubscription {
    /// A subscription for `event_type` (`git.push`, ...) in a project, delivered to `url` with
    /// basic authentication.
    pub fn webhook(event_type: &str, project_id: &str, url: &str, user: &str, password: &str) -> Self {
        Self {
            event_type: HookEventType::parse(event_type),
            project_id: project_id.to_owned(),
            repository: None,
            branch: None,
            notification_type: None,
            url: url.to_owned(),
            basic_auth: Some((user.to_owned(), SecretString::from(password.to_owned()))),
            http_headers: Vec::new(),
        }
    }
}

/// Why an event payload was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid service hook event: `{path}` {problem}")]
pub struct EventError {
    /// JSON path of the offending field (`resource.pullRequestId`).
    pub path: String,
    pub problem: String,
}

fn err<T>(path: &str, problem: impl Into<String>) -> Result<T, EventError> {
    Err(EventError {
        path: path.to_owned(),
        problem: problem.into(),
    })
}

/// `resourceContainers.{collection,account,project}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResourceContainer {
    pub id: String,
    /// Informational only: never send credentials to it.
    pub base_url: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResourceContainers {
    pub collection: Option<ResourceContainer>,
    pub account: Option<ResourceContainer>,
    pub project: Option<ResourceContainer>,
}

/// The envelope of an event a web-hook subscription sends.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceHookEvent {
    /// The event's GUID (the same on every delivery of the event: dedup on it).
    pub id: String,
    pub event_type: HookEventType,
    pub publisher_id: Option<String>,
    pub notification_id: Option<i64>,
    pub subscription_id: Option<String>,
    /// `message.text`, when sent.
    pub message: Option<String>,
    /// The resource (`Null` when the subscription sends none); see [`Self::pull_request`] and
    /// [`Self::push`].
    pub resource: Value,
    pub resource_version: Option<String>,
    pub resource_containers: ResourceContainers,
    pub created_date: Option<String>,
}

/// Limits on untrusted payloads.
const MAX_STRING: usize = 64 * 1024;
const MAX_ITEMS: usize = 10_000;

impl ServiceHookEvent {
    /// The largest payload accepted.
    pub const MAX_BYTES: usize = 16 << 20;

    /// Parses and checks an event body.
    pub fn parse(body: &[u8]) -> Result<Self, EventError> {
        if body.len() > Self::MAX_BYTES {
            return err("", format!("is larger than {} bytes", Self::MAX_BYTES));
        }
        let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
        let v: Value = serde_json::from_slice(body).map_err(|e| EventError {
            path: String::new(),
            problem: format!("is not JSON: {e}"),
        })?;
        let Value::Object(m) = &v else {
            return err("", "must be a JSON object");
        };
        let id = guid(m, "id", "id")?.ok_or_else(|| missing("id"))?;
        let event_type = opt_str(m, "eventType", "eventType", 128)?.ok_or_else(|| missing("eventType"))?;
        if event_type.is_empty()
            || !event_type
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        {
            return err("eventType", "is not an event type name");
        }
        let message = match m.get("message") {
            None | Some(Value::Null) => None,
            Some(Value::Object(mm)) => opt_str(mm, "text", "message.text", MAX_STRING)?,
            Some(_) => return err("message", "must be an object"),
        };
        let containers = match m.get("resourceContainers") {
            None | Some(Value::Null) => ResourceContainers::default(),
            Some(Value::Object(c)) => ResourceContainers {
                collection: container(c, "collection")?,
                account: container(c, "account")?,
                project: container(c, "project")?,
            },
            Some(_) => return err("resourceContainers", "must be an object"),
        };
        let resource = match m.get("resource") {
            None => Value::Null,
            Some(r @ (Value::Object(_) | Value::Null)) => r.clone(),
            Some(_) => return err("resource", "must be an object"),
        };
        Ok(Self {
            id,
            event_type: HookEventType::parse(&event_type),
            publisher_id: opt_str(m, "publisherId", "publisherId", 128)?,
            notification_id: opt_int(m, "notificationId", "notificationId")?,
            subscription_id: guid(m, "subscriptionId", "subscriptionId")?,
            message,
            resource,
            resource_version: opt_str(m, "resourceVersion", "resourceVersion", 64)?,
            resource_containers: containers,
            created_date: opt_str(m, "createdDate", "createdDate", 64)?,
        })
    }

    fn resource_object(&self) -> Result<&Map<String, Value>, EventError> {
        match &self.resource {
            Value::Object(m) => Ok(m),
            _ => err(
                "resource",
                "is missing (the subscription sends no resource details)",
            ),
        }
    }

    /// `createdDate` as UNIX milliseconds (UTC), when present and well formed.
    pub fn created_at_millis(&self) -> Option<i64> {
        self.created_date.as_deref().and_then(rfc3339_millis)
    }

    /// The typed resource, by event type: pull request events, pushes, or the type of another event.
    pub fn payload(&self) -> Result<ServiceHookPayload, EventError> {
        Ok(match &self.event_type {
            HookEventType::PullRequestCreated | HookEventType::PullRequestUpdated => {
                ServiceHookPayload::PullRequest(self.pull_request()?)
            }
            HookEventType::Push => ServiceHookPayload::Push(self.push()?),
            HookEventType::Other(t) if t.starts_with("git.pullrequest.") => {
                ServiceHookPayload::PullRequest(self.pull_request()?)
            }
            HookEventType::Other(t) => ServiceHookPayload::Other(t.clone()),
        })
    }

    /// The pull request of a `git.pullrequest.*` event.
    pub fn pull_request(&self) -> Result<PullRequestResource, EventError> {
        let m = self.resource_object()?;
        let p = |k: &str| format!("resource.{k}");
        let id =
            opt_int(m, "pullRequestId", &p("pullRequestId"))?.ok_or_else(|| missing(&p("pullRequestId")))?;
        if id <= 0 {
            return err(&p("pullRequestId"), "must be a positive integer");
        }
        Ok(PullRequestResource {
            pull_request_id: id,
            status: opt_str(m, "status", &p("status"), 64)?,
            title: opt_str(m, "title", &p("title"), MAX_STRING)?,
            description: opt_str(m, "description", &p("description"), MAX_STRING)?,
            source_ref_name: ref_name(m, "sourceRefName", &p("sourceRefName"))?
                .ok_or_else(|| missing(&p("sourceRefName")))?,
            target_ref_name: ref_name(m, "targetRefName", &p("targetRefName"))?
                .ok_or_else(|| missing(&p("targetRefName")))?,
            last_merge_source_commit: commit_of(m, "lastMergeSourceCommit", &p("lastMergeSourceCommit"))?,
            last_merge_target_commit: commit_of(m, "lastMergeTargetCommit", &p("lastMergeTargetCommit"))?,
            last_merge_commit: commit_of(m, "lastMergeCommit", &p("lastMergeCommit"))?,
            is_draft: opt_bool(m, "isDraft", &p("isDraft"))?,
            created_by: identity(m, "createdBy", &p("createdBy"))?,
            creation_date: opt_str(m, "creationDate", &p("creationDate"), 64)?,
            closed_date: opt_str(m, "closedDate", &p("closedDate"), 64)?,
            url: opt_str(m, "url", &p("url"), 4096)?,
            repository: repository(m, "resource.repository")?,
        })
    }

    /// The push of a `git.push` event.
    pub fn push(&self) -> Result<PushResource, EventError> {
        let m = self.resource_object()?;
        let push_id = opt_int(m, "pushId", "resource.pushId")?.ok_or_else(|| missing("resource.pushId"))?;
        if push_id <= 0 {
            return err("resource.pushId", "must be a positive integer");
        }
        let updates =
            array(m, "refUpdates", "resource.refUpdates")?.ok_or_else(|| missing("resource.refUpdates"))?;
        if updates.is_empty() {
            return err("resource.refUpdates", "is empty");
        }
        let mut ref_updates = Vec::with_capacity(updates.len());
        for (i, u) in updates.iter().enumerate() {
            let path = format!("resource.refUpdates[{i}]");
            let Value::Object(u) = u else {
                return err(&path, "must be an object");
            };
            ref_updates.push(RefUpdate {
                name: ref_name(u, "name", &format!("{path}.name"))?
                    .ok_or_else(|| missing(&format!("{path}.name")))?,
                old_object_id: oid(u, "oldObjectId", &format!("{path}.oldObjectId"))?
                    .ok_or_else(|| missing(&format!("{path}.oldObjectId")))?,
                new_object_id: oid(u, "newObjectId", &format!("{path}.newObjectId"))?
                    .ok_or_else(|| missing(&format!("{path}.newObjectId")))?,
            });
        }
        let mut commits = Vec::new();
        for (i, c) in array(m, "commits", "resource.commits")?
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            let path = format!("resource.commits[{i}]");
            let Value::Object(c) = c else {
                return err(&path, "must be an object");
            };
            commits.push(EventCommit {
                commit_id: oid(c, "commitId", &format!("{path}.commitId"))?
                    .ok_or_else(|| missing(&format!("{path}.commitId")))?,
                comment: opt_str(c, "comment", &format!("{path}.comment"), MAX_STRING)?,
                author_name: person(c, "author", &format!("{path}.author"))?,
            });
        }
        Ok(PushResource {
            push_id,
            ref_updates,
            commits,
            pushed_by: identity(m, "pushedBy", "resource.pushedBy")?,
            date: opt_str(m, "date", "resource.date", 64)?,
            url: opt_str(m, "url", "resource.url", 4096)?,
            repository: repository(m, "resource.repository")?,
        })
    }
}

/// The resource of an event, by kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServiceHookPayload {
    PullRequest(PullRequestResource),
    Push(PushResource),
    /// Another event type (its name); its resource stays in [`ServiceHookEvent::resource`].
    Other(String),
}

/// `2024-09-19T13:03:27.2879096Z` (or with an offset) as UNIX milliseconds.
fn rfc3339_millis(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = text.get(r)?;
        t.bytes().all(|c| c.is_ascii_digit()).then(|| t.parse().ok())?
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &text[19..];
    let mut millis = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let first3: String = frac[..digits].chars().chain("000".chars()).take(3).collect();
        millis = first3.parse::<i64>().ok()?;
        rest = &frac[digits..];
    }
    let offset_min = match rest {
        "Z" | "z" => 0,
        tz if tz.len() == 6
            && tz.is_ascii()
            && (tz.starts_with('+') || tz.starts_with('-'))
            && &tz[3..4] == ":" =>
        {
            let v = tz[1..3].parse::<i64>().ok()? * 60 + tz[4..6].parse::<i64>().ok()?;
            if tz.starts_with('-') { -v } else { v }
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400 + hour * 3600 + minute * 60 + second - offset_min * 60) * 1000) + millis)
}

/// The repository an event is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRepository {
    /// GUID.
    pub id: String,
    pub name: Option<String>,
    /// Project GUID, when given.
    pub project_id: Option<String>,
    pub project_name: Option<String>,
    pub default_branch: Option<String>,
    pub remote_url: Option<String>,
}

/// The resource of `git.pullrequest.created` / `git.pullrequest.updated`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullRequestResource {
    pub pull_request_id: i64,
    /// `active`, `completed`, `abandoned`.
    pub status: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    /// `refs/heads/...` (checked to be a safe ref name).
    pub source_ref_name: String,
    pub target_ref_name: String,
    /// 40-hex commit ids (lowercase).
    pub last_merge_source_commit: Option<String>,
    pub last_merge_target_commit: Option<String>,
    pub last_merge_commit: Option<String>,
    pub is_draft: Option<bool>,
    pub created_by: Option<IdentityRef>,
    pub creation_date: Option<String>,
    pub closed_date: Option<String>,
    pub url: Option<String>,
    pub repository: EventRepository,
}

/// One ref a push changed. An all-zero id means created (old) or deleted (new).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefUpdate {
    pub name: String,
    pub old_object_id: String,
    pub new_object_id: String,
}

const ZERO_OID: &str = "0000000000000000000000000000000000000000";

impl RefUpdate {
    pub fn is_create(&self) -> bool {
        self.old_object_id == ZERO_OID
    }

    pub fn is_delete(&self) -> bool {
        self.new_object_id == ZERO_OID
    }

    /// `main` for `refs/heads/main`; `None` for other refs (tags, notes).
    pub fn branch(&self) -> Option<&str> {
        self.name.strip_prefix("refs/heads/")
    }
}

/// A commit listed in a push event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventCommit {
    pub commit_id: String,
    pub comment: Option<String>,
    pub author_name: Option<String>,
}

/// The resource of `git.push`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushResource {
    pub push_id: i64,
    pub ref_updates: Vec<RefUpdate>,
    /// As ADO lists them (it may cap the list): use the ref updates for what to scan.
    pub commits: Vec<EventCommit>,
    pub pushed_by: Option<IdentityRef>,
    pub date: Option<String>,
    pub url: Option<String>,
    pub repository: EventRepository,
}

fn missing(path: &str) -> EventError {
    EventError {
        path: path.to_owned(),
        problem: "is missing".into(),
    }
}

fn opt_str(m: &Map<String, Value>, key: &str, path: &str, max: usize) -> Result<Option<String>, EventError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.len() > max => err(path, format!("is longer than {max} bytes")),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => err(path, "must be a string"),
    }
}

fn opt_int(m: &Map<String, Value>, key: &str, path: &str) -> Result<Option<i64>, EventError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| EventError {
            path: path.to_owned(),
            problem: "must be an integer".into(),
        }),
        Some(_) => err(path, "must be an integer"),
    }
}

fn opt_bool(m: &Map<String, Value>, key: &str, path: &str) -> Result<Option<bool>, EventError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => err(path, "must be a boolean"),
    }
}

fn array<'a>(m: &'a Map<String, Value>, key: &str, path: &str) -> Result<Option<&'a [Value]>, EventError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) if a.len() > MAX_ITEMS => err(path, format!("has more than {MAX_ITEMS} items")),
        Some(Value::Array(a)) => Ok(Some(a)),
        Some(_) => err(path, "must be an array"),
    }
}

fn object<'a>(
    m: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<&'a Map<String, Value>>, EventError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(_) => err(path, "must be an object"),
    }
}

/// `8-4-4-4-12` hex digits.
pub(crate) fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn guid(m: &Map<String, Value>, key: &str, path: &str) -> Result<Option<String>, EventError> {
    match opt_str(m, key, path, 64)? {
        None => Ok(None),
        Some(s) if is_guid(&s) => Ok(Some(s.to_ascii_lowercase())),
        Some(_) => err(path, "must be a GUID"),
    }
}

fn oid(m: &Map<String, Value>, key: &str, path: &str) -> Result<Option<String>, EventError> {
    match opt_str(m, key, path, 64)? {
        None => Ok(None),
        Some(s) if s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(Some(s.to_ascii_lowercase()))
        }
        Some(_) => err(path, "must be a 40-hex-digit commit id"),
    }
}

/// A ref name git would accept and that cannot be mistaken for an option.
pub(crate) fn is_safe_ref(name: &str) -> bool {
    name.starts_with("refs/")
        && name.len() <= 1024
        && !name.ends_with('/')
        && !name.ends_with('.')
        && !name.to_ascii_lowercase().ends_with(".lock")
        && !name.contains("..")
        && !name.contains("//")
        && !name.contains("@{")
        && !name.split('/').any(|c| c.starts_with('.'))
        && !name
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || "~^:?*[\\".contains(c))
}

fn ref_name(m: &Map<String, Value>, key: &str, path: &str) -> Result<Option<String>, EventError> {
    match opt_str(m, key, path, 1024)? {
        None => Ok(None),
        Some(s) if is_safe_ref(&s) => Ok(Some(s)),
        Some(_) => err(path, "must be a valid refs/... name"),
    }
}

fn commit_of(m: &Map<String, Value>, key: &str, path: &str) -> Result<Option<String>, EventError> {
    match object(m, key, path)? {
        None => Ok(None),
        Some(c) => oid(c, "commitId", &format!("{path}.commitId"))?
            .map(Some)
            .ok_or_else(|| missing(&format!("{path}.commitId"))),
    }
}

fn identity(m: &Map<String, Value>, key: &str, path: &str) -> Result<Option<IdentityRef>, EventError> {
    let Some(o) = object(m, key, path)? else {
        return Ok(None);
    };
    Ok(Some(IdentityRef {
        id: opt_str(o, "id", &format!("{path}.id"), 256)?,
        display_name: opt_str(o, "displayName", &format!("{path}.displayName"), 1024)?,
        unique_name: opt_str(o, "uniqueName", &format!("{path}.uniqueName"), 1024)?,
    }))
}

fn person(m: &Map<String, Value>, key: &str, path: &str) -> Result<Option<String>, EventError> {
    match object(m, key, path)? {
        None => Ok(None),
        Some(o) => opt_str(o, "name", &format!("{path}.name"), 1024),
    }
}

fn container(m: &Map<String, Value>, key: &str) -> Result<Option<ResourceContainer>, EventError> {
    let path = format!("resourceContainers.{key}");
    let Some(o) = object(m, key, &path)? else {
        return Ok(None);
    };
    Ok(Some(ResourceContainer {
        id: guid(o, "id", &format!("{path}.id"))?.ok_or_else(|| missing(&format!("{path}.id")))?,
        base_url: opt_str(o, "baseUrl", &format!("{path}.baseUrl"), 4096)?,
    }))
}

fn repository(m: &Map<String, Value>, path: &str) -> Result<EventRepository, EventError> {
    let r = object(m, "repository", path)?.ok_or_else(|| missing(path))?;
    let project = object(r, "project", &format!("{path}.project"))?;
    Ok(EventRepository {
        id: guid(r, "id", &format!("{path}.id"))?.ok_or_else(|| missing(&format!("{path}.id")))?,
        name: opt_str(r, "name", &format!("{path}.name"), 1024)?,
        project_id: match project {
            Some(p) => guid(p, "id", &format!("{path}.project.id"))?,
            None => None,
        },
        project_name: match project {
            Some(p) => opt_str(p, "name", &format!("{path}.project.name"), 1024)?,
            None => None,
        },
        default_branch: ref_name(r, "defaultBranch", &format!("{path}.defaultBranch"))?,
        remote_url: opt_str(r, "remoteUrl", &format!("{path}.remoteUrl"), 4096)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_that_could_hurt_git_are_refused() {
        for ok in ["refs/heads/main", "refs/heads/feature/x-1", "refs/tags/v1.0"] {
            assert!(is_safe_ref(ok), "{ok}");
        }
        for bad in [
            "main",
            "--upload-pack=sh",
            "refs/heads/a..b",
            "refs/heads/a b",
            "refs/heads/x.lock",
            "refs/heads/.hidden",
            "refs/heads/a\nb",
            "refs/heads/a:b",
        ] {
            assert!(!is_safe_ref(bad), "{bad:?}");
        }
    }

    #[test]
    fn dates_become_millis() {
        assert_eq!(rfc3339_millis("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            rfc3339_millis("2024-09-19T13:03:27.2879096Z"),
            Some(1_726_751_007_287)
        );
        assert_eq!(
            rfc3339_millis("2024-09-19T15:03:27+02:00"),
            Some(1_726_751_007_000)
        );
        assert_eq!(rfc3339_millis("2000-03-01T00:00:00.5Z"), Some(951_868_800_500));
        for bad in [
            "",
            "yesterday",
            "2024-13-01T00:00:00Z",
            "2024-09-19T13:03:27",
            "2024-09-19T13:03:27.Z",
        ] {
            assert_eq!(rfc3339_millis(bad), None, "{bad}");
        }
    }

    #[test]
    fn guids() {
        assert!(is_guid("6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c"));
        assert!(!is_guid("6ce954b1ce1f45d1b94de6bf2464ba2c"));
        assert!(!is_guid("abcd-1234-efgh-5678"));
    }
}
