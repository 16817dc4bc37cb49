//! Azure DevOps URLs as people paste them: clone URLs, browser URLs, API
//! `remoteUrl`/`sshUrl` values, wiki links and pull-request links, turned into
//! an organization, a project and a target (seed 004; ADO-API §1.1, §1.9).
//!
//! Parsing is pure and total: any input gives either an [`AdoUrl`] or an
//! [`AdoUrlError`] whose message says what was wrong and which forms are
//! accepted. Names are percent-decoded; query strings (other than a wiki's
//! `pagePath`), fragments, trailing slashes, a `.git` suffix and any
//! `user[:password]@` part are ignored, and never repeated in an error.

use std::fmt;
use std::str::FromStr;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::connector::OrgName;

/// Longest input accepted, in characters.
const MAX_LEN: usize = 2048;

const ACCEPTED: &str = "Accepted URL formats: https://dev.azure.com/{org}/{project}/_git/{repo}, \
     https://{org}.visualstudio.com/{project}/_git/{repo}, \
     wiki URLs https://dev.azure.com/{org}/{project}/_wiki/wikis/{wiki}, \
     SSH URLs git@ssh.dev.azure.com:v3/{org}/{project}/{repo}, \
     and for Azure DevOps Server https://{server}/tfs/{collection}/{project}/_git/{repo}";

/// Everything but RFC 3986 unreserved characters is escaped in a name.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// A wiki page path keeps its slashes.
const PAGE_PATH: &AsciiSet = &SEGMENT.remove(b'/');

/// Which host (and so which URL layout) the URL used.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HostForm {
    /// `https://dev.azure.com/{org}/...`, also with a `{user}@` part.
    DevAzure,
    /// Legacy `https://{org}.visualstudio.com/[DefaultCollection/]...`.
    VisualStudio,
    /// `git@ssh.dev.azure.com:v3/...`, `ssh://git@ssh.dev.azure.com/v3/...` or
    /// `{org}@vs-ssh.visualstudio.com:v3/...`.
    Ssh,
    /// Azure DevOps Server, or the simulator on a loopback address.
    /// `base` is where collections live, without a trailing slash:
    /// `https://host[:port][/tfs]`, or `scheme://host[:port]` on loopback.
    Server { base: String },
}

/// What the URL points at inside the organization.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AdoTarget {
    Organization,
    Project,
    Repo {
        name: String,
    },
    /// `page` is a page path starting with `/` when the URL gave one
    /// (`?pagePath=/Some Page`), or the page id (digits) from a
    /// `/{pageId}/{Page-Title}` URL (the title is cosmetic in ADO and dropped).
    Wiki {
        name: String,
        page: Option<String>,
    },
    PullRequest {
        repo: String,
        id: u64,
    },
}

/// A parsed Azure DevOps URL. `project` is set for every target but
/// [`AdoTarget::Organization`]; for the project-less `/{org}/_git/{repo}`
/// form it is the repository's name (ADO's project of the same name).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AdoUrl {
    pub host_form: HostForm,
    pub org: OrgName,
    pub project: Option<String>,
    pub target: AdoTarget,
}

/// What kind of problem an [`AdoUrlError`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdoUrlErrorKind {
    Empty,
    TooLong,
    NotAUrl,
    UnsupportedScheme,
    /// GitHub, GitLab, Bitbucket, or a host that is Azure's but not an
    /// organization's (e.g. `app.vssps.visualstudio.com`).
    UnsupportedHost,
    MissingOrg,
    InvalidOrg,
    /// `_git` with no repository after it.
    MissingRepo,
    /// A `_segment` palisade does not handle (e.g. `_boards`).
    UnknownSegment,
    /// The path has the wrong shape (extra segment, non-numeric pull request
    /// id, wiki link without a wiki name, ...).
    UnexpectedPath,
    /// Control characters, `..`/`.` segments, encoded slashes, backslashes or
    /// bad UTF-8.
    InvalidCharacter,
}

/// Why a URL was refused. The message is meant for the person who pasted it:
/// it says what is wrong and lists the accepted forms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct AdoUrlError {
    kind: AdoUrlErrorKind,
    message: String,
}

impl AdoUrlError {
    fn new(kind: AdoUrlErrorKind, problem: impl fmt::Display) -> Self {
        Self {
            kind,
            message: format!("{problem}. {ACCEPTED}"),
        }
    }

    pub fn kind(&self) -> AdoUrlErrorKind {
        self.kind
    }
}

use AdoUrlErrorKind as K;

fn shown(s: &str) -> String {
    s.chars().take(60).collect()
}

/// How the host of a URL is understood.
enum HostKind {
    DevAzure,
    /// `{org}.visualstudio.com`, with the organization label.
    VisualStudio(String),
    SshHost,
    Loopback,
    /// GitHub, GitLab, ...: the product name.
    Foreign(&'static str),
    /// An Azure host that is not an organization's.
    OtherAzure,
    Server,
}

fn classify_host(host: &str) -> HostKind {
    let h = host.trim_end_matches('.');
    let first_label = h.split('.').next().unwrap_or_default();
    let is_or_under = |domain: &str| h == domain || h.strip_suffix(domain).is_some_and(|p| p.ends_with('.'));
    if is_or_under("github.com") || is_or_under("githubusercontent.com") || first_label == "github" {
        return HostKind::Foreign("GitHub");
    }
    if is_or_under("gitlab.com") || first_label == "gitlab" {
        return HostKind::Foreign("GitLab");
    }
    if is_or_under("bitbucket.org") || first_label == "bitbucket" {
        return HostKind::Foreign("Bitbucket");
    }
    match h {
        "dev.azure.com" => return HostKind::DevAzure,
        "ssh.dev.azure.com" | "vs-ssh.visualstudio.com" => return HostKind::SshHost,
        "localhost" | "127.0.0.1" | "[::1]" => return HostKind::Loopback,
        _ => {}
    }
    if let Some(label) = h.strip_suffix(".visualstudio.com") {
        if !label.is_empty() && !label.contains('.') && label != "www" {
            return HostKind::VisualStudio(label.to_owned());
        }
        return HostKind::OtherAzure;
    }
    if is_or_under("azure.com") || is_or_under("visualstudio.com") {
        return HostKind::OtherAzure;
    }
    HostKind::Server
}

fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Splits `host[:port]` (host lowercased), checking both.
fn split_host_port(hp: &str) -> Result<(String, Option<u16>), AdoUrlError> {
    let bad_host = |h: &str| {
        AdoUrlError::new(
            K::NotAUrl,
            format_args!("not a URL: {:?} is not a valid host name", shown(h)),
        )
    };
    let (host, port) = if hp.starts_with('[') {
        let end = hp.find(']').ok_or_else(|| bad_host(hp))?;
        let (h, rest) = hp.split_at(end + 1);
        if !h[1..h.len() - 1]
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
            || h.len() == 2
        {
            return Err(bad_host(h));
        }
        match rest.strip_prefix(':') {
            Some(p) => (h, Some(p)),
            None if rest.is_empty() => (h, None),
            None => return Err(bad_host(hp)),
        }
    } else {
        let (h, p) = match hp.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hp, None),
        };
        if h.is_empty()
            || h.starts_with('.')
            || !h
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(bad_host(h));
        }
        (h, p)
    };
    let port = match port {
        None | Some("") => None,
        Some(p) => {
            let n = (p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse::<u16>().ok())
                .flatten()
                .ok_or_else(|| {
                    AdoUrlError::new(
                        K::NotAUrl,
                        format_args!("not a URL: port {:?} is not a number from 0 to 65535", shown(p)),
                    )
                })?;
            Some(n)
        }
    };
    Ok((host.to_ascii_lowercase(), port))
}

/// Refuses control characters in decoded text.
fn check_controls(s: &str, what: &str) -> Result<(), AdoUrlError> {
    match s.chars().find(|c| c.is_control()) {
        Some(c) => Err(AdoUrlError::new(
            K::InvalidCharacter,
            format_args!(
                "the URL's {what} contains the control character U+{:04X}",
                u32::from(c)
            ),
        )),
        None => Ok(()),
    }
}

fn dot_segment_error() -> AdoUrlError {
    AdoUrlError::new(
        K::InvalidCharacter,
        "the URL contains a `.` or `..` path segment (also when percent-encoded), which is not \
         allowed",
    )
}

/// Percent-decodes one non-empty path segment and checks it can be a name.
fn decode_segment(raw: &str) -> Result<String, AdoUrlError> {
    let decoded = percent_decode_str(raw).decode_utf8().map_err(|_| {
        AdoUrlError::new(
            K::InvalidCharacter,
            "a path segment of the URL is not valid UTF-8 after percent-decoding",
        )
    })?;
    check_controls(&decoded, "path")?;
    if decoded == "." || decoded == ".." {
        return Err(dot_segment_error());
    }
    if decoded.contains(['/', '\\']) {
        return Err(AdoUrlError::new(
            K::InvalidCharacter,
            format_args!(
                "the path segment {:?} contains an encoded slash or backslash, which no Azure \
                 DevOps name has",
                shown(&decoded)
            ),
        ));
    }
    if decoded.trim().is_empty() {
        return Err(AdoUrlError::new(
            K::UnexpectedPath,
            "the URL's path has a segment that is only spaces",
        ));
    }
    Ok(decoded.into_owned())
}

/// The path's non-empty segments, decoded.
fn segments(path: &str) -> Result<Vec<String>, AdoUrlError> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(decode_segment)
        .collect()
}

fn parse_org(s: &str) -> Result<OrgName, AdoUrlError> {
    OrgName::parse(s).map_err(|e| {
        AdoUrlError::new(
            K::InvalidOrg,
            format_args!("the organization in this URL is not valid: {e}"),
        )
    })
}

fn missing_org(what: &str) -> AdoUrlError {
    AdoUrlError::new(
        K::MissingOrg,
        format_args!("the URL has no {what} after the host"),
    )
}

fn strip_git(name: &str) -> &str {
    name.strip_suffix(".git").unwrap_or(name)
}

/// The wiki `pagePath` query parameter, decoded and normalized.
fn page_path(query: &str) -> Result<Option<String>, AdoUrlError> {
    let Some(raw) = query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        k.eq_ignore_ascii_case("pagePath").then_some(v)
    }) else {
        return Ok(None);
    };
    let plus_as_space = raw.replace('+', " ");
    let decoded = percent_decode_str(&plus_as_space).decode_utf8().map_err(|_| {
        AdoUrlError::new(
            K::InvalidCharacter,
            "the wiki pagePath is not valid UTF-8 after percent-decoding",
        )
    })?;
    check_controls(&decoded, "wiki pagePath")?;
    if decoded.split(['/', '\\']).any(|s| s == "." || s == "..") {
        return Err(dot_segment_error());
    }
    let trimmed = decoded.trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(None);
    }
    Ok(Some(if trimmed.starts_with('/') {
        trimmed.to_owned()
    } else {
        format!("/{trimmed}")
    }))
}

fn repo_target(project: Option<&str>, tail: &[String]) -> Result<(Option<String>, AdoTarget), AdoUrlError> {
    let missing = || {
        AdoUrlError::new(
            K::MissingRepo,
            "the URL has `_git` but no repository name after it (expected .../_git/{repo})",
        )
    };
    let repo = strip_git(tail.first().ok_or_else(missing)?);
    if repo.is_empty() {
        return Err(missing());
    }
    let project = project.unwrap_or(repo).to_owned();
    let repo = repo.to_owned();
    let target = match tail.get(1) {
        Some(s) if s.eq_ignore_ascii_case("pullrequest") => {
            let id = tail
                .get(2)
                .filter(|id| id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|id| id.parse::<u64>().ok())
                .ok_or_else(|| {
                    AdoUrlError::new(
                        K::UnexpectedPath,
                        "a pull request link needs a numeric id (expected \
                         .../_git/{repo}/pullrequest/{id})",
                    )
                })?;
            AdoTarget::PullRequest { repo, id }
        }
        // Other repository pages (commits, branches, files): the repository.
        _ => AdoTarget::Repo { name: repo },
    };
    Ok((Some(project), target))
}

fn wiki_target(
    project: &str,
    tail: &[String],
    query: &str,
) -> Result<(Option<String>, AdoTarget), AdoUrlError> {
    let shape = || {
        AdoUrlError::new(
            K::UnexpectedPath,
            "a wiki link must name the wiki (expected .../_wiki/wikis/{wiki}, optionally \
             followed by /{pageId}/{Page-Title} or ?pagePath=/{page})",
        )
    };
    if !tail.first().is_some_and(|s| s.eq_ignore_ascii_case("wikis")) {
        return Err(shape());
    }
    let name = tail.get(1).ok_or_else(shape)?.clone();
    let page = match page_path(query)? {
        Some(p) => Some(p),
        None => match tail.get(2) {
            None => None,
            Some(id) if id.bytes().all(|b| b.is_ascii_digit()) => Some(id.clone()),
            Some(_) => return Err(shape()),
        },
    };
    Ok((Some(project.to_owned()), AdoTarget::Wiki { name, page }))
}

fn unknown_segment(seg: &str) -> AdoUrlError {
    AdoUrlError::new(
        K::UnknownSegment,
        format_args!(
            "palisade does not handle {:?} links; it understands `_git` (repositories and pull \
             requests) and `_wiki` (wikis)",
            shown(seg)
        ),
    )
}

/// Reads `[{project}[/_git/{repo}...|/_wiki/...]]` or `_git/{repo}...`.
fn target(rest: &[String], query: &str) -> Result<(Option<String>, AdoTarget), AdoUrlError> {
    let Some(first) = rest.first() else {
        return Ok((None, AdoTarget::Organization));
    };
    if first.starts_with('_') {
        if first.eq_ignore_ascii_case("_git") {
            return repo_target(None, &rest[1..]);
        }
        return Err(unknown_segment(first));
    }
    match rest.get(1) {
        None => Ok((Some(first.clone()), AdoTarget::Project)),
        Some(s) if s.eq_ignore_ascii_case("_git") => repo_target(Some(first), &rest[2..]),
        Some(s) if s.eq_ignore_ascii_case("_wiki") => wiki_target(first, &rest[2..], query),
        Some(s) if s.starts_with('_') => Err(unknown_segment(s)),
        Some(s) => Err(AdoUrlError::new(
            K::UnexpectedPath,
            format_args!(
                "unexpected {:?} after the project (expected .../{{project}}/_git/{{repo}} or \
                 .../{{project}}/_wiki/wikis/{{wiki}})",
                shown(s)
            ),
        )),
    }
}

/// `v3/{org}/{project}/{repo}` of an SSH URL.
fn ssh_path(path: &str) -> Result<AdoUrl, AdoUrlError> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let segs = segments(path)?;
    let shape = || {
        AdoUrlError::new(
            K::UnexpectedPath,
            "an Azure DevOps SSH URL has the path v3/{org}/{project}/{repo}",
        )
    };
    if !segs.first().is_some_and(|s| s.eq_ignore_ascii_case("v3")) {
        return Err(shape());
    }
    let org = parse_org(segs.get(1).ok_or_else(|| missing_org("organization"))?)?;
    let [_, _, project, repo] = segs.as_slice() else {
        return Err(shape());
    };
    let repo = strip_git(repo);
    if repo.is_empty() {
        return Err(shape());
    }
    Ok(AdoUrl {
        host_form: HostForm::Ssh,
        org,
        project: Some(project.clone()),
        target: AdoTarget::Repo {
            name: repo.to_owned(),
        },
    })
}

fn foreign_host(product: &str) -> AdoUrlError {
    AdoUrlError::new(
        K::UnsupportedHost,
        format_args!(
            "this is a {product} URL; palisade's Azure DevOps connector expects an Azure DevOps \
             URL"
        ),
    )
}

fn not_org_host(host: &str) -> AdoUrlError {
    AdoUrlError::new(
        K::UnsupportedHost,
        format_args!(
            "{:?} is not an Azure DevOps organization's host (expected dev.azure.com/{{org}} or \
             {{org}}.visualstudio.com)",
            shown(host)
        ),
    )
}

fn ssh_only_services() -> AdoUrlError {
    AdoUrlError::new(
        K::UnsupportedHost,
        "SSH URLs are understood only for Azure DevOps Services (ssh.dev.azure.com and \
         vs-ssh.visualstudio.com); use the https URL instead",
    )
}

/// `[user@]host:path`, the scp-like form git uses for SSH.
fn parse_scp_like(s: &str) -> Result<AdoUrl, AdoUrlError> {
    let no_scheme = || {
        AdoUrlError::new(
            K::NotAUrl,
            "not a URL: it does not start with https:// (or an SSH form git@host:path)",
        )
    };
    let Some((before, path)) = s.split_once(':') else {
        return Err(no_scheme());
    };
    if before.contains('/') || before.is_empty() {
        return Err(no_scheme());
    }
    let has_user = before.contains('@');
    if !has_user && !before.contains('.') {
        if !is_scheme(before) {
            return Err(no_scheme());
        }
        let scheme = before.to_ascii_lowercase();
        if matches!(scheme.as_str(), "http" | "https" | "ssh") {
            return Err(AdoUrlError::new(
                K::NotAUrl,
                format_args!("not a URL: expected {scheme}:// at the start"),
            ));
        }
        return Err(unsupported_scheme(&scheme));
    }
    let host_part = before.rsplit('@').next().unwrap_or_default();
    let (host, _) = split_host_port(host_part)?;
    match classify_host(&host) {
        HostKind::SshHost => ssh_path(path),
        HostKind::Foreign(product) => Err(foreign_host(product)),
        _ if has_user => Err(ssh_only_services()),
        _ => Err(no_scheme()),
    }
}

fn unsupported_scheme(scheme: &str) -> AdoUrlError {
    AdoUrlError::new(
        K::UnsupportedScheme,
        format_args!(
            "the URL scheme {:?} is not supported; use https:// (or an SSH URL)",
            shown(scheme)
        ),
    )
}

impl AdoUrl {
    /// Parses any of the accepted forms (see the module docs). Never panics.
    pub fn parse(input: &str) -> Result<Self, AdoUrlError> {
        if input.len() > MAX_LEN && input.chars().count() > MAX_LEN {
            return Err(AdoUrlError::new(
                K::TooLong,
                format_args!(
                    "the URL is {} characters long; at most {MAX_LEN} are accepted",
                    input.chars().count()
                ),
            ));
        }
        let s = input.trim();
        if s.is_empty() {
            return Err(AdoUrlError::new(K::Empty, "the URL is empty"));
        }
        check_controls(s, "text")?;
        if s.contains('\\') {
            return Err(AdoUrlError::new(
                K::InvalidCharacter,
                "the URL contains a backslash; use forward slashes",
            ));
        }
        let Some((scheme, rest)) = s.split_once("://") else {
            return parse_scp_like(s);
        };
        if !is_scheme(scheme) {
            return Err(AdoUrlError::new(
                K::NotAUrl,
                "not a URL: it does not start with a scheme such as https://",
            ));
        }
        let scheme = scheme.to_ascii_lowercase();
        if !matches!(scheme.as_str(), "https" | "http" | "ssh") {
            return Err(unsupported_scheme(&scheme));
        }
        let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, after) = rest.split_at(auth_end);
        let path_end = after.find(['?', '#']).unwrap_or(after.len());
        let path = &after[..path_end];
        let query = after[path_end..]
            .strip_prefix('?')
            .map(|q| q.split('#').next().unwrap_or_default())
            .unwrap_or_default();
        // Any `user[:password]@` is dropped (API remoteUrl form).
        let host_port = authority.rsplit('@').next().unwrap_or_default();
        let (host, port) = split_host_port(host_port)?;
        let kind = classify_host(&host);

        if scheme == "ssh" {
            return match kind {
                HostKind::SshHost => ssh_path(path),
                HostKind::Foreign(product) => Err(foreign_host(product)),
                _ => Err(ssh_only_services()),
            };
        }
        let segs = segments(path)?;
        let https_only = || {
            AdoUrlError::new(
                K::UnsupportedScheme,
                "Azure DevOps Services is reached over https://, not http://",
            )
        };
        let with_port = |h: &str| match port {
            Some(p) => format!("{scheme}://{h}:{p}"),
            None => format!("{scheme}://{h}"),
        };
        let (host_form, org, rest): (HostForm, &str, &[String]) = match kind {
            HostKind::Foreign(product) => return Err(foreign_host(product)),
            HostKind::OtherAzure => return Err(not_org_host(&host)),
            HostKind::SshHost => {
                return Err(AdoUrlError::new(
                    K::UnsupportedHost,
                    format_args!(
                        "{host} is Azure DevOps's SSH host; write it as git@{host}:v3/{{org}}/\
                         {{project}}/{{repo}} or use the https URL"
                    ),
                ));
            }
            HostKind::DevAzure | HostKind::VisualStudio(_) if scheme == "http" => {
                return Err(https_only());
            }
            HostKind::DevAzure => {
                let (org, rest) = segs.split_first().ok_or_else(|| missing_org("organization"))?;
                (HostForm::DevAzure, org.as_str(), rest)
            }
            HostKind::VisualStudio(ref label) => {
                let rest = match segs.split_first() {
                    Some((first, rest)) if first.eq_ignore_ascii_case("DefaultCollection") => rest,
                    _ => &segs[..],
                };
                (HostForm::VisualStudio, label.as_str(), rest)
            }
            HostKind::Loopback => {
                let (org, rest) = segs.split_first().ok_or_else(|| missing_org("organization"))?;
                let base = with_port(&host);
                (HostForm::Server { base }, org.as_str(), rest)
            }
            HostKind::Server => {
                let (base, segs) = match segs.split_first() {
                    Some((first, rest)) if first.eq_ignore_ascii_case("tfs") => {
                        (format!("{}/tfs", with_port(&host)), rest)
                    }
                    _ => (with_port(&host), &segs[..]),
                };
                let (org, rest) = segs.split_first().ok_or_else(|| missing_org("collection"))?;
                (HostForm::Server { base }, org.as_str(), rest)
            }
        };
        let org = parse_org(org)?;
        let (project, target) = target(rest, query)?;
        Ok(Self {
            host_form,
            org,
            project,
            target,
        })
    }

    /// The repository's name, for repository and pull-request URLs.
    pub fn repo(&self) -> Option<&str> {
        match &self.target {
            AdoTarget::Repo { name } => Some(name),
            AdoTarget::PullRequest { repo, .. } => Some(repo),
            _ => None,
        }
    }

    /// The canonical browser URL: `https://dev.azure.com/...` for cloud and
    /// SSH URLs, `https://{org}.visualstudio.com/...` for legacy ones, and
    /// `{base}/{collection}/...` for Server. Parsing it gives this value back
    /// (with [`HostForm::Ssh`] turned into [`HostForm::DevAzure`]).
    pub fn web_url(&self) -> String {
        let enc = |s: &str| utf8_percent_encode(s, SEGMENT).to_string();
        let mut out = match &self.host_form {
            HostForm::DevAzure | HostForm::Ssh => {
                format!("https://dev.azure.com/{}", enc(self.org.as_str()))
            }
            HostForm::VisualStudio => format!("https://{}.visualstudio.com", enc(self.org.as_str())),
            HostForm::Server { base } => {
                format!("{}/{}", base.trim_end_matches('/'), enc(self.org.as_str()))
            }
        };
        if let Some(p) = &self.project {
            out.push('/');
            out.push_str(&enc(p));
        }
        match &self.target {
            AdoTarget::Organization | AdoTarget::Project => {}
            AdoTarget::Repo { name } => {
                out.push_str("/_git/");
                out.push_str(&enc(name));
            }
            AdoTarget::PullRequest { repo, id } => {
                out.push_str("/_git/");
                out.push_str(&enc(repo));
                out.push_str("/pullrequest/");
                out.push_str(&id.to_string());
            }
            AdoTarget::Wiki { name, page } => {
                out.push_str("/_wiki/wikis/");
                out.push_str(&enc(name));
                match page {
                    Some(p) if p.starts_with('/') => {
                        out.push_str("?pagePath=");
                        out.push_str(&utf8_percent_encode(p, PAGE_PATH).to_string());
                    }
                    Some(id) => {
                        out.push('/');
                        out.push_str(&enc(id));
                    }
                    None => {}
                }
            }
        }
        out
    }
}

impl FromStr for AdoUrl {
    type Err = AdoUrlError;
    fn from_str(s: &str) -> Result<Self, AdoUrlError> {
        Self::parse(s)
    }
}

impl fmt::Display for AdoUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.web_url())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn org(s: &str) -> OrgName {
        OrgName::parse(s).unwrap()
    }

    fn url(host_form: HostForm, o: &str, project: Option<&str>, target: AdoTarget) -> AdoUrl {
        AdoUrl {
            host_form,
            org: org(o),
            project: project.map(str::to_owned),
            target,
        }
    }

    fn repo(name: &str) -> AdoTarget {
        AdoTarget::Repo { name: name.into() }
    }

    fn server(base: &str) -> HostForm {
        HostForm::Server { base: base.into() }
    }

    #[test]
    fn accepted_forms() {
        use AdoTarget::{Organization, Project};
        use HostForm::{DevAzure, Ssh, VisualStudio};
        let wiki = |name: &str, page: Option<&str>| AdoTarget::Wiki {
            name: name.into(),
            page: page.map(str::to_owned),
        };
        let pr = |r: &str, id| AdoTarget::PullRequest { repo: r.into(), id };
        let cases: Vec<(&str, AdoUrl)> = vec![
            (
                "https://dev.azure.com/contoso",
                url(DevAzure, "contoso", None, Organization),
            ),
            (
                "https://dev.azure.com/contoso/",
                url(DevAzure, "contoso", None, Organization),
            ),
            (
                "HTTPS://Dev.Azure.COM/contoso",
                url(DevAzure, "contoso", None, Organization),
            ),
            (
                "  https://dev.azure.com/contoso\n",
                url(DevAzure, "contoso", None, Organization),
            ),
            (
                "https://dev.azure.com/contoso/Web",
                url(DevAzure, "contoso", Some("Web"), Project),
            ),
            (
                "https://dev.azure.com/contoso/My%20Project/_git/my.repo_1",
                url(DevAzure, "contoso", Some("My Project"), repo("my.repo_1")),
            ),
            (
                "https://dev.azure.com/contoso/Proj%C3%A9t/_git/d%C3%A9p%C3%B4t.git/",
                url(DevAzure, "contoso", Some("Projét"), repo("dépôt")),
            ),
            (
                "https://dev.azure.com/contoso/Projét/_git/漢字",
                url(DevAzure, "contoso", Some("Projét"), repo("漢字")),
            ),
            (
                "https://contoso@dev.azure.com/contoso/Web/_git/api",
                url(DevAzure, "contoso", Some("Web"), repo("api")),
            ),
            (
                "https://me:secret@dev.azure.com/contoso/Web/_git/api",
                url(DevAzure, "contoso", Some("Web"), repo("api")),
            ),
            (
                "https://dev.azure.com/contoso/Web/_git/api?path=/x&version=GBmain#L10",
                url(DevAzure, "contoso", Some("Web"), repo("api")),
            ),
            (
                "https://dev.azure.com/contoso/Web/_git/api/commit/abc123",
                url(DevAzure, "contoso", Some("Web"), repo("api")),
            ),
            (
                "https://dev.azure.com/contoso/Web/_git/api/pullrequest/42",
                url(DevAzure, "contoso", Some("Web"), pr("api", 42)),
            ),
            (
                "https://dev.azure.com/contoso/Web/_git/api/pullrequest/42?_a=files",
                url(DevAzure, "contoso", Some("Web"), pr("api", 42)),
            ),
            (
                "https://dev.azure.com/contoso/_git/api",
                url(DevAzure, "contoso", Some("api"), repo("api")),
            ),
            (
                "https://contoso.visualstudio.com/Web/_git/api",
                url(VisualStudio, "contoso", Some("Web"), repo("api")),
            ),
            (
                "https://Contoso.VisualStudio.com/DefaultCollection/Web/_git/api",
                url(VisualStudio, "contoso", Some("Web"), repo("api")),
            ),
            (
                "https://contoso.visualstudio.com/",
                url(VisualStudio, "contoso", None, Organization),
            ),
            (
                "git@ssh.dev.azure.com:v3/contoso/My%20Project/api",
                url(Ssh, "contoso", Some("My Project"), repo("api")),
            ),
            (
                "ssh://git@ssh.dev.azure.com/v3/contoso/Web/api.git",
                url(Ssh, "contoso", Some("Web"), repo("api")),
            ),
            (
                "ssh://git@ssh.dev.azure.com:22/v3/contoso/Web/api",
                url(Ssh, "contoso", Some("Web"), repo("api")),
            ),
            (
                "contoso@vs-ssh.visualstudio.com:v3/contoso/Web/api",
                url(Ssh, "contoso", Some("Web"), repo("api")),
            ),
            (
                "https://dev.azure.com/contoso/Web/_wiki/wikis/Web.wiki",
                url(DevAzure, "contoso", Some("Web"), wiki("Web.wiki", None)),
            ),
            (
                "https://dev.azure.com/contoso/Web/_wiki/wikis/Web.wiki/12/Getting-Started",
                url(DevAzure, "contoso", Some("Web"), wiki("Web.wiki", Some("12"))),
            ),
            (
                "https://dev.azure.com/contoso/Web/_wiki/wikis/Web.wiki?pagePath=/Some%20Page",
                url(
                    DevAzure,
                    "contoso",
                    Some("Web"),
                    wiki("Web.wiki", Some("/Some Page")),
                ),
            ),
            (
                "https://dev.azure.com/contoso/Web/_wiki/wikis/Web.wiki/?wikiVersion=GBmain&pagePath=%2FA%2FB+C",
                url(DevAzure, "contoso", Some("Web"), wiki("Web.wiki", Some("/A/B C"))),
            ),
            (
                "https://tfs.corp.example:8080/tfs/DefaultCollection/Web/_git/api",
                url(
                    server("https://tfs.corp.example:8080/tfs"),
                    "DefaultCollection",
                    Some("Web"),
                    repo("api"),
                ),
            ),
            (
                "http://ado.corp.example/Fabrikam/Web/_git/api",
                url(
                    server("http://ado.corp.example"),
                    "Fabrikam",
                    Some("Web"),
                    repo("api"),
                ),
            ),
            (
                "https://ado.corp.example/tfs/Fabrikam",
                url(
                    server("https://ado.corp.example/tfs"),
                    "Fabrikam",
                    None,
                    Organization,
                ),
            ),
            (
                "http://localhost:8080/contoso/Web/_git/api",
                url(
                    server("http://localhost:8080"),
                    "contoso",
                    Some("Web"),
                    repo("api"),
                ),
            ),
            (
                "http://127.0.0.1:3000/contoso/_git/api",
                url(
                    server("http://127.0.0.1:3000"),
                    "contoso",
                    Some("api"),
                    repo("api"),
                ),
            ),
            (
                "http://[::1]:8080/contoso",
                url(server("http://[::1]:8080"), "contoso", None, Organization),
            ),
            (
                "http://localhost/tfs/Web",
                url(server("http://localhost"), "tfs", Some("Web"), Project),
            ),
        ];
        for (input, want) in cases {
            let got = AdoUrl::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(got, want, "{input}");
            assert_eq!(input.parse::<AdoUrl>().unwrap(), want);
            let back = AdoUrl::parse(&got.web_url()).unwrap();
            assert_eq!(back, canonical(&got), "{input} -> {}", got.web_url());
        }
    }

    #[test]
    fn accessors_and_web_urls() {
        let u = AdoUrl::parse("git@ssh.dev.azure.com:v3/contoso/My%20Project/api").unwrap();
        assert_eq!(u.repo(), Some("api"));
        assert_eq!(u.web_url(), "https://dev.azure.com/contoso/My%20Project/_git/api");
        assert_eq!(u.to_string(), u.web_url());
        let u = AdoUrl::parse("https://dev.azure.com/contoso/Web/_git/api/pullrequest/7").unwrap();
        assert_eq!(u.repo(), Some("api"));
        assert_eq!(
            u.web_url(),
            "https://dev.azure.com/contoso/Web/_git/api/pullrequest/7"
        );
        let u = AdoUrl::parse("https://contoso.visualstudio.com/DefaultCollection/Web").unwrap();
        assert_eq!(u.repo(), None);
        assert_eq!(u.web_url(), "https://contoso.visualstudio.com/Web");
        let u = AdoUrl::parse("https://dev.azure.com/c/W/_wiki/wikis/W.wiki?pagePath=/A+b%2Bc").unwrap();
        assert_eq!(
            u.web_url(),
            "https://dev.azure.com/c/W/_wiki/wikis/W.wiki?pagePath=/A%20b%2Bc"
        );
        let u = AdoUrl::parse("https://h.example/tfs/Coll/W").unwrap();
        assert_eq!(u.web_url(), "https://h.example/tfs/Coll/W");
    }

    #[test]
    fn refused_forms() {
        let long = format!("https://dev.azure.com/contoso/{}", "a".repeat(2048));
        let cases: Vec<(&str, AdoUrlErrorKind, &str)> = vec![
            ("", K::Empty, "empty"),
            ("   ", K::Empty, "empty"),
            (&long, K::TooLong, "at most 2048"),
            ("contoso", K::NotAUrl, "https://"),
            ("dev.azure.com/contoso/Web", K::NotAUrl, "https://"),
            ("https:dev.azure.com/contoso", K::NotAUrl, "https://"),
            ("://dev.azure.com", K::NotAUrl, "scheme"),
            ("https://", K::NotAUrl, "host"),
            ("https://dev azure.com/x", K::NotAUrl, "host"),
            ("https://dev.azure.com:99999/x", K::NotAUrl, "port"),
            ("ftp://dev.azure.com/contoso", K::UnsupportedScheme, "\"ftp\""),
            ("file:///etc/passwd", K::UnsupportedScheme, "\"file\""),
            ("mailto:x", K::UnsupportedScheme, "\"mailto\""),
            ("http://dev.azure.com/contoso", K::UnsupportedScheme, "https"),
            (
                "http://contoso.visualstudio.com/Web",
                K::UnsupportedScheme,
                "https",
            ),
            (
                "https://github.com/contoso/api",
                K::UnsupportedHost,
                "this is a GitHub URL",
            ),
            (
                "git@github.com:contoso/api.git",
                K::UnsupportedHost,
                "this is a GitHub URL",
            ),
            (
                "https://gitlab.com/contoso/api",
                K::UnsupportedHost,
                "this is a GitLab URL",
            ),
            ("ssh://git@gitlab.com/x/y", K::UnsupportedHost, "GitLab"),
            ("https://github.corp.example/a/b", K::UnsupportedHost, "GitHub"),
            (
                "https://app.vssps.visualstudio.com/x",
                K::UnsupportedHost,
                "organization",
            ),
            (
                "https://vssps.dev.azure.com/contoso",
                K::UnsupportedHost,
                "organization",
            ),
            (
                "https://ssh.dev.azure.com/v3/c/p/r",
                K::UnsupportedHost,
                "SSH host",
            ),
            ("git@example.com:v3/c/p/r", K::UnsupportedHost, "SSH"),
            ("ssh://git@tfs.example/tfs/c/p/_git/r", K::UnsupportedHost, "SSH"),
            ("https://dev.azure.com", K::MissingOrg, "organization"),
            ("https://dev.azure.com//", K::MissingOrg, "organization"),
            ("https://ado.example/tfs/", K::MissingOrg, "collection"),
            ("git@ssh.dev.azure.com:v3", K::MissingOrg, "organization"),
            (
                "https://dev.azure.com/my_org/Web",
                K::InvalidOrg,
                "'_' is not allowed",
            ),
            (
                "https://dev.azure.com/org-/Web",
                K::InvalidOrg,
                "must not end with a hyphen",
            ),
            (
                "https://dev.azure.com/_apis/projects",
                K::InvalidOrg,
                "letter or digit",
            ),
            ("https://my_org.visualstudio.com/Web", K::NotAUrl, "host"),
            (
                "https://dev.azure.com/contoso/Web/_git",
                K::MissingRepo,
                "_git/{repo}",
            ),
            (
                "https://dev.azure.com/contoso/Web/_git/",
                K::MissingRepo,
                "_git/{repo}",
            ),
            (
                "https://dev.azure.com/contoso/_git",
                K::MissingRepo,
                "_git/{repo}",
            ),
            (
                "https://dev.azure.com/contoso/Web/_git/.git",
                K::MissingRepo,
                "_git/{repo}",
            ),
            (
                "https://dev.azure.com/contoso/Web/_boards/board",
                K::UnknownSegment,
                "_boards",
            ),
            (
                "https://dev.azure.com/contoso/_settings/users",
                K::UnknownSegment,
                "`_wiki`",
            ),
            (
                "https://dev.azure.com/contoso/Web/docs",
                K::UnexpectedPath,
                "\"docs\"",
            ),
            (
                "https://dev.azure.com/contoso/Web/_git/r/pullrequest",
                K::UnexpectedPath,
                "numeric",
            ),
            (
                "https://dev.azure.com/c/W/_git/r/pullrequest/+1",
                K::UnexpectedPath,
                "numeric",
            ),
            (
                "https://dev.azure.com/c/W/_git/r/pullrequest/99999999999999999999",
                K::UnexpectedPath,
                "numeric",
            ),
            (
                "https://dev.azure.com/contoso/Web/_wiki",
                K::UnexpectedPath,
                "wikis/{wiki}",
            ),
            (
                "https://dev.azure.com/contoso/Web/_wiki/wikis/",
                K::UnexpectedPath,
                "wikis/{wiki}",
            ),
            (
                "https://dev.azure.com/c/W/_wiki/wikis/w/Title",
                K::UnexpectedPath,
                "pageId",
            ),
            (
                "git@ssh.dev.azure.com:v3/contoso/Web",
                K::UnexpectedPath,
                "v3/{org}",
            ),
            (
                "git@ssh.dev.azure.com:contoso/Web/api",
                K::UnexpectedPath,
                "v3/{org}",
            ),
            (
                "git@ssh.dev.azure.com:v3/c/W/api/extra",
                K::UnexpectedPath,
                "v3/{org}",
            ),
            ("https://dev.azure.com/c/%20/_git/r", K::UnexpectedPath, "spaces"),
            (
                "https://dev.azure.com/contoso/../_git/r",
                K::InvalidCharacter,
                "`..`",
            ),
            (
                "https://dev.azure.com/contoso/%2e%2E/_git/r",
                K::InvalidCharacter,
                "`..`",
            ),
            (
                "https://dev.azure.com/contoso/Web/_git/./x",
                K::InvalidCharacter,
                "`.`",
            ),
            (
                "https://dev.azure.com/c/W/_wiki/wikis/w?pagePath=/a/../b",
                K::InvalidCharacter,
                "`..`",
            ),
            (
                "https://dev.azure.com/contoso/W%00eb",
                K::InvalidCharacter,
                "U+0000",
            ),
            (
                "https://dev.azure.com/contoso/W\u{7}eb",
                K::InvalidCharacter,
                "U+0007",
            ),
            (
                "https://dev.azure.com/c/W/_wiki/wikis/w?pagePath=/a%0A",
                K::InvalidCharacter,
                "U+000A",
            ),
            (
                "https://dev.azure.com/contoso/a%2Fb/_git/r",
                K::InvalidCharacter,
                "slash",
            ),
            ("https://dev.azure.com/contoso/%FF", K::InvalidCharacter, "UTF-8"),
            (
                "https://dev.azure.com\\@evil.example/x",
                K::InvalidCharacter,
                "backslash",
            ),
        ];
        for (input, kind, says) in cases {
            let e = AdoUrl::parse(input).expect_err(input);
            let msg = e.to_string();
            assert_eq!(e.kind(), kind, "{input}: {msg}");
            assert!(msg.contains(says), "{input}: {msg:?} lacks {says:?}");
            assert!(
                msg.contains("https://dev.azure.com/{org}/{project}/_git/{repo}")
                    && msg.contains("https://{org}.visualstudio.com/{project}/_git/{repo}")
                    && msg.contains("_wiki/wikis/{wiki}"),
                "lists the accepted forms: {msg}"
            );
        }
    }

    #[test]
    fn errors_never_repeat_credentials() {
        for input in [
            "https://me:s3cr3t@github.com/x/y",
            "https://me:s3cr3t@dev.azure.com/bad_org",
            "https://me:s3cr3t@dev.azure.com/c/W/_boards",
            "ftp://me:s3cr3t@dev.azure.com/c",
            "me:s3cr3t@nowhere",
        ] {
            let msg = AdoUrl::parse(input).unwrap_err().to_string();
            assert!(!msg.contains("s3cr3t"), "{input}: {msg}");
        }
    }

    /// What `parse(web_url())` gives: SSH URLs come back as dev.azure.com.
    fn canonical(u: &AdoUrl) -> AdoUrl {
        let mut c = u.clone();
        if c.host_form == HostForm::Ssh {
            c.host_form = HostForm::DevAzure;
        }
        c
    }

    fn org_name() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9]([a-zA-Z0-9-]{0,18}[a-zA-Z0-9])?"
    }

    /// Project, repository and wiki names: spaces, dots, underscores,
    /// unicode letters and characters that need escaping.
    fn name() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9éüжñ漢\\p{L}][a-zA-Z0-9éüжñ漢\\p{L} ._+&%#?@!()'~-]{0,20}".prop_filter(
            "not a .git suffix nor a skipped segment",
            |n| {
                !n.to_ascii_lowercase().ends_with(".git")
                    && !n.eq_ignore_ascii_case("DefaultCollection")
                    && !n.eq_ignore_ascii_case("tfs")
            },
        )
    }

    /// Percent-encodes everything but ASCII letters and digits: a different
    /// (stricter) encoder than `web_url` uses.
    fn e(s: &str) -> String {
        utf8_percent_encode(s, NON_ALPHANUMERIC).to_string()
    }

    /// One accepted form built from parts, with the value it must parse to.
    fn built_url() -> impl Strategy<Value = (String, AdoUrl)> {
        (org_name(), name(), name(), 0u8..16, 1u64..=u64::MAX, 0u16..=65535).prop_map(
            |(o, p, r, form, id, port)| {
                let (eo, ep, er) = (e(&o), e(&p), e(&r));
                let lower = o.to_ascii_lowercase();
                let mk = |hf: HostForm, org: &str, project: Option<&str>, t: AdoTarget| AdoUrl {
                    host_form: hf,
                    org: OrgName::parse(org).unwrap(),
                    project: project.map(str::to_owned),
                    target: t,
                };
                let rp = || AdoTarget::Repo { name: r.clone() };
                match form {
                    0 => (
                        format!("https://dev.azure.com/{eo}"),
                        mk(HostForm::DevAzure, &o, None, AdoTarget::Organization),
                    ),
                    1 => (
                        format!("https://dev.azure.com/{eo}/{ep}/"),
                        mk(HostForm::DevAzure, &o, Some(&p), AdoTarget::Project),
                    ),
                    2 => (
                        format!("https://dev.azure.com/{eo}/{ep}/_git/{er}"),
                        mk(HostForm::DevAzure, &o, Some(&p), rp()),
                    ),
                    3 => (
                        format!("https://{eo}@dev.azure.com/{eo}/{ep}/_git/{er}.git"),
                        mk(HostForm::DevAzure, &o, Some(&p), rp()),
                    ),
                    4 => (
                        format!("https://dev.azure.com/{eo}/{ep}/_git/{er}/pullrequest/{id}"),
                        mk(
                            HostForm::DevAzure,
                            &o,
                            Some(&p),
                            AdoTarget::PullRequest { repo: r.clone(), id },
                        ),
                    ),
                    5 => (
                        format!("https://dev.azure.com/{eo}/{ep}/_git/{er}?path=/x&version=GBmain"),
                        mk(HostForm::DevAzure, &o, Some(&p), rp()),
                    ),
                    6 => (
                        format!("https://{o}.visualstudio.com/{ep}/_git/{er}"),
                        mk(HostForm::VisualStudio, &lower, Some(&p), rp()),
                    ),
                    7 => (
                        format!("https://{o}.visualstudio.com/DefaultCollection/{ep}/_git/{er}"),
                        mk(HostForm::VisualStudio, &lower, Some(&p), rp()),
                    ),
                    8 => (
                        format!("git@ssh.dev.azure.com:v3/{eo}/{ep}/{er}"),
                        mk(HostForm::Ssh, &o, Some(&p), rp()),
                    ),
                    9 => (
                        format!("ssh://git@ssh.dev.azure.com/v3/{eo}/{ep}/{er}"),
                        mk(HostForm::Ssh, &o, Some(&p), rp()),
                    ),
                    10 => (
                        format!("{eo}@vs-ssh.visualstudio.com:v3/{eo}/{ep}/{er}"),
                        mk(HostForm::Ssh, &o, Some(&p), rp()),
                    ),
                    11 => (
                        format!("https://dev.azure.com/{eo}/{ep}/_wiki/wikis/{er}?pagePath=/{ep}"),
                        mk(
                            HostForm::DevAzure,
                            &o,
                            Some(&p),
                            AdoTarget::Wiki {
                                name: r.clone(),
                                page: Some(format!("/{p}")),
                            },
                        ),
                    ),
                    12 => (
                        format!("https://dev.azure.com/{eo}/{ep}/_wiki/wikis/{er}/{id}/Some-Title"),
                        mk(
                            HostForm::DevAzure,
                            &o,
                            Some(&p),
                            AdoTarget::Wiki {
                                name: r.clone(),
                                page: Some(id.to_string()),
                            },
                        ),
                    ),
                    13 => (
                        format!("https://dev.azure.com/{eo}/_git/{er}/"),
                        mk(HostForm::DevAzure, &o, Some(&r), rp()),
                    ),
                    14 => (
                        format!("https://ado.example:{port}/tfs/{eo}/{ep}/_git/{er}"),
                        mk(
                            HostForm::Server {
                                base: format!("https://ado.example:{port}/tfs"),
                            },
                            &o,
                            Some(&p),
                            rp(),
                        ),
                    ),
                    _ => (
                        format!("http://localhost:{port}/{eo}/{ep}/_git/{er}"),
                        mk(
                            HostForm::Server {
                                base: format!("http://localhost:{port}"),
                            },
                            &o,
                            Some(&p),
                            rp(),
                        ),
                    ),
                }
            },
        )
    }

    #[derive(Debug, Clone)]
    enum Edit {
        Insert(usize, char),
        Delete(usize, usize),
        Replace(usize, char),
    }

    fn edit() -> impl Strategy<Value = Edit> {
        let ch = prop_oneof![
            any::<char>(),
            proptest::sample::select(vec!['/', ':', '@', '%', '?', '#', '.', '_', '\\', ' ', '\0']),
        ];
        prop_oneof![
            (any::<usize>(), ch.clone()).prop_map(|(i, c)| Edit::Insert(i, c)),
            (any::<usize>(), 1usize..8).prop_map(|(i, n)| Edit::Delete(i, n)),
            (any::<usize>(), ch).prop_map(|(i, c)| Edit::Replace(i, c)),
        ]
    }

    fn apply(s: &str, edits: &[Edit]) -> String {
        let mut chars: Vec<char> = s.chars().collect();
        for ed in edits {
            let len = chars.len();
            match *ed {
                Edit::Insert(i, c) => chars.insert(i % (len + 1), c),
                Edit::Delete(i, n) if len > 0 => {
                    let start = i % len;
                    chars.drain(start..(start + n).min(len));
                }
                Edit::Replace(i, c) if len > 0 => chars[i % len] = c,
                Edit::Delete(..) | Edit::Replace(..) => {}
            }
        }
        chars.into_iter().collect()
    }

    fn check_total(s: &str) {
        match AdoUrl::parse(s) {
            Ok(u) => {
                // Whatever was accepted renders and re-parses consistently.
                let again = AdoUrl::parse(&u.web_url());
                assert_eq!(again.as_ref().ok(), Some(&canonical(&u)), "{s:?}");
            }
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn built_urls_parse_to_their_parts((input, want) in built_url()) {
            let got = AdoUrl::parse(&input);
            prop_assert_eq!(got.as_ref().ok(), Some(&want), "{} -> {:?}", input, got);
        }

        #[test]
        fn web_url_parses_back((input, _) in built_url()) {
            let u = AdoUrl::parse(&input).unwrap();
            let web = u.web_url();
            let back = AdoUrl::parse(&web);
            prop_assert_eq!(back.as_ref().ok(), Some(&canonical(&u)), "{} -> {}", input, web);
            prop_assert_eq!(back.unwrap().web_url(), web);
        }

        #[test]
        fn parse_is_total_on_arbitrary_strings(s in any::<String>()) {
            check_total(&s);
        }

        #[test]
        fn parse_is_total_on_url_like_strings(
            prefix in proptest::sample::select(vec![
                "https://", "http://", "ssh://", "git@ssh.dev.azure.com:", "https://dev.azure.com/",
                "https://x.visualstudio.com/", "http://localhost:1/", "https://[", "ftp://", "",
            ]),
            rest in "[a-zA-Z0-9%/:@?#._~\\[\\] -]{0,40}",
        ) {
            check_total(&format!("{prefix}{rest}"));
        }

        #[test]
        fn parse_is_total_on_mutated_urls(
            (input, _) in built_url(),
            edits in proptest::collection::vec(edit(), 1..6),
        ) {
            check_total(&apply(&input, &edits));
        }
    }
}
