//! Which repositories managed scans cover: sync from the inventory, enable
//! and disable, labels.
//!
//! The plan ([`plan_sync`]) is a pure function of the inventory and the
//! managed rows, so it is tested without a store; the engine writes what it
//! returns in one transaction.

use std::collections::HashMap;

use palisade_domain::{
    ArchiveReason, MANAGED_SCAN_LABEL, ManagedState, OrgName, Resource, ResourceKind, Timestamp,
};
use palisade_store::{
    ConnectorId, ConnectorRecord, ManagedRepo, ManagedRepoFilter, ResourceFilter, StoredResource,
};
use serde::Serialize;

use crate::jobs::JobSpec;
use crate::{Engine, EngineError, now};

/// Which repositories a command acts on.
#[derive(Clone, Debug)]
pub enum RepoSelector {
    /// Every repository of the connector.
    All,
    /// Every repository of one organization.
    Org(OrgName),
    /// Every repository of one project (name, case-insensitive).
    Project { org: Option<OrgName>, project: String },
    /// Repositories by `project/repo` name (case-insensitive) or id.
    Repos(Vec<String>),
}

impl RepoSelector {
    /// Whether `r` is selected (names and ids compared ignoring case).
    pub fn matches(&self, r: &ManagedRepo) -> bool {
        match self {
            Self::All => true,
            Self::Org(o) => &r.org == o,
            Self::Project { org, project } => {
                org.as_ref().is_none_or(|o| &r.org == o) && r.project.eq_ignore_ascii_case(project)
            }
            Self::Repos(names) => names.iter().any(|n| {
                n.eq_ignore_ascii_case(&r.repo_id)
                    || n.eq_ignore_ascii_case(&format!("{}/{}", r.project, r.name))
                    || n.eq_ignore_ascii_case(&format!("{}/{}/{}", r.org, r.project, r.name))
            }),
        }
    }
}

/// What a sync changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// New repositories offered for scanning.
    pub offered: u64,
    /// New repositories enabled on their own (`auto_enable_new_repos`).
    pub enabled: u64,
    /// Repositories archived (removed or disabled in ADO).
    pub archived: u64,
    /// Archived repositories seen again.
    pub restored: u64,
    /// Rows written.
    #[serde(skip)]
    pub changed: Vec<ManagedRepo>,
}

/// A repository as discovery last saw it.
#[derive(Clone, Debug)]
pub struct InventoryRepo {
    pub org: OrgName,
    pub repo: palisade_domain::Repository,
    pub removed: bool,
}

/// The scan target of a repository's findings: fixed at first sight.
pub fn repo_target(org: &OrgName, project: &str, name: &str) -> String {
    format!("ado:{org}/{project}/{name}")
}

/// The managed rows after syncing with the inventory: new repositories are
/// offered (or enabled), vanished or ADO-disabled ones archived with their
/// findings kept, archived ones seen again restored.
pub fn plan_sync(
    connector: &ConnectorId,
    inventory: &[InventoryRepo],
    existing: &[ManagedRepo],
    auto_enable: bool,
    at: Timestamp,
) -> SyncReport {
    let by_key: HashMap<(String, String), &ManagedRepo> = existing
        .iter()
        .map(|r| ((r.org.as_str().to_ascii_lowercase(), r.repo_id.clone()), r))
        .collect();
    let mut report = SyncReport::default();
    for inv in inventory {
        let r = &inv.repo;
        if r.is_hidden {
            continue;
        }
        let repo_id = r.id.to_ascii_lowercase();
        let gone = if inv.removed {
            Some(ArchiveReason::Removed)
        } else if r.is_disabled {
            Some(ArchiveReason::DisabledInAdo)
        } else {
            None
        };
        let branch = r
            .default_branch
            .as_deref()
            .map(|b| b.strip_prefix("refs/heads/").unwrap_or(b).to_owned());
        let key = (inv.org.as_str().to_ascii_lowercase(), repo_id.clone());
        let next = match by_key.get(&key) {
            None => {
                // Removed before first sight: nothing to keep. Disabled in
                // ADO: listed as archived, so users see why it is not scanned.
                if gone == Some(ArchiveReason::Removed) {
                    continue;
                }
                let auto_enable = auto_enable && gone.is_none();
                let state = if gone.is_some() {
                    report.archived += 1;
                    ManagedState::Archived
                } else if auto_enable {
                    report.enabled += 1;
                    ManagedState::Enabled
                } else {
                    report.offered += 1;
                    ManagedState::Offered
                };
                ManagedRepo {
                    org: inv.org.clone(),
                    repo_id,
                    connector: Some(connector.clone()),
                    project: r.project_name.clone(),
                    project_id: r.project_id.clone(),
                    name: r.name.clone(),
                    remote_url: r.remote_url.clone(),
                    web_url: r.web_url.clone(),
                    default_branch: branch,
                    size: r.size,
                    target: repo_target(&inv.org, &r.project_name, &r.name),
                    state,
                    archive_reason: gone,
                    full_scans: auto_enable,
                    pr_scans: auto_enable,
                    labels: if auto_enable {
                        vec![MANAGED_SCAN_LABEL.to_owned()]
                    } else {
                        Vec::new()
                    },
                    scanned_tips: Vec::new(),
                    scanned_rules: None,
                    last_scan_id: None,
                    last_scan_at: None,
                    last_status: None,
                    last_error: None,
                    last_success_at: None,
                    first_seen_at: at,
                    updated_at: at,
                }
            }
            Some(old) => {
                let mut row = (*old).clone();
                row.connector = Some(connector.clone());
                row.project.clone_from(&r.project_name);
                row.project_id.clone_from(&r.project_id);
                row.name.clone_from(&r.name);
                row.remote_url.clone_from(&r.remote_url);
                row.web_url.clone_from(&r.web_url);
                row.default_branch = branch;
                row.size = r.size;
                match (gone, old.state) {
                    (Some(_), ManagedState::Archived) => {}
                    (Some(reason), _) => {
                        report.archived += 1;
                        row.state = ManagedState::Archived;
                        row.archive_reason = Some(reason);
                    }
                    (None, ManagedState::Archived) => {
                        report.restored += 1;
                        row.archive_reason = None;
                        row.state = if row.full_scans || row.pr_scans {
                            ManagedState::Enabled
                        } else {
                            ManagedState::Offered
                        };
                    }
                    (None, _) => {}
                }
                if row == **old {
                    continue;
                }
                row.updated_at = at;
                row
            }
        };
        report.changed.push(next);
    }
    report
}

/// Sets scanning on or off for the selected rows; returns the rows changed.
pub fn plan_enable(
    rows: &[ManagedRepo],
    selector: &RepoSelector,
    full: bool,
    pr: bool,
    at: Timestamp,
) -> Vec<ManagedRepo> {
    rows.iter()
        .filter(|r| selector.matches(r) && r.state != ManagedState::Archived)
        .filter_map(|r| {
            let mut next = r.clone();
            next.full_scans = full;
            next.pr_scans = pr;
            let on = full || pr;
            next.state = if on {
                ManagedState::Enabled
            } else {
                ManagedState::Disabled
            };
            next.labels.retain(|l| l != MANAGED_SCAN_LABEL);
            if on {
                next.labels.push(MANAGED_SCAN_LABEL.to_owned());
                next.labels.sort();
            }
            (next != *r).then(|| {
                next.updated_at = at;
                next
            })
        })
        .collect()
}

/// What enabling did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct EnableReport {
    pub sync: SyncReport,
    /// Repositories whose settings changed.
    pub changed: Vec<ManagedRepo>,
    /// Full scans queued for repositories just enabled.
    pub scans_queued: u64,
    /// Whether webhook subscriptions will be (re)created or removed.
    pub hooks_job: bool,
}

impl Engine {
    /// The repositories discovery found for `connector`, with their org names.
    async fn inventory_repos(&self, connector: &ConnectorRecord) -> Result<Vec<InventoryRepo>, EngineError> {
        let all = self
            .store
            .list_resources(&ResourceFilter {
                connector: Some(connector.id.clone()),
                kinds: vec![ResourceKind::Organization, ResourceKind::Repository],
                include_removed: true,
                ..ResourceFilter::default()
            })
            .await?;
        let orgs: HashMap<String, OrgName> = all
            .iter()
            .filter_map(|r: &StoredResource| match &r.resource {
                Resource::Organization(o) => OrgName::parse(&o.name)
                    .ok()
                    .map(|n| (o.id.to_ascii_lowercase(), n)),
                _ => None,
            })
            .collect();
        Ok(all
            .into_iter()
            .filter_map(|r| {
                let Resource::Repository(repo) = r.resource else {
                    return None;
                };
                let org_id = r.scope.split('/').next().unwrap_or_default();
                let org = orgs.get(org_id)?.clone();
                Some(InventoryRepo {
                    org,
                    repo,
                    removed: r.removed_at.is_some(),
                })
            })
            .collect())
    }

    /// Brings the connector's managed repositories in line with the
    /// inventory (run after each discovery, and by `palisade repos sync`).
    pub async fn sync_repos(&self, connector: &ConnectorRecord) -> Result<SyncReport, EngineError> {
        let inventory = self.inventory_repos(connector).await?;
        let existing = self.managed_repos_of_orgs(connector, &inventory).await?;
        let settings = self.store.scan_settings(&connector.id).await?;
        let at = now();
        let report = plan_sync(
            &connector.id,
            &inventory,
            &existing,
            settings.auto_enable_new_repos,
            at,
        );
        self.store.upsert_managed_repos(&report.changed).await?;
        if report.enabled > 0 || report.restored > 0 {
            self.schedule_connector(connector, false, at).await?;
        }
        // Without a webhook URL no subscription can exist, so none can change.
        if (report.enabled > 0 || report.restored > 0 || report.archived > 0)
            && settings.webhooks
            && settings.webhook_url.is_some()
        {
            // Subscriptions follow the projects that have scanned repositories.
            self.queue_job(JobSpec::Subscriptions {
                connector: connector.id.to_string(),
            })
            .await?;
        }
        Ok(report)
    }

    /// Managed rows of the organizations in `inventory` (whatever connector
    /// had them before: a reconnected organization takes its rows back).
    async fn managed_repos_of_orgs(
        &self,
        connector: &ConnectorRecord,
        inventory: &[InventoryRepo],
    ) -> Result<Vec<ManagedRepo>, EngineError> {
        let mut orgs: Vec<&OrgName> = inventory.iter().map(|r| &r.org).collect();
        orgs.sort();
        orgs.dedup();
        let mut rows = self
            .store
            .list_managed_repos(&ManagedRepoFilter {
                connector: Some(connector.id.clone()),
                ..ManagedRepoFilter::default()
            })
            .await?;
        for org in orgs {
            for r in self
                .store
                .list_managed_repos(&ManagedRepoFilter {
                    org: Some(org.clone()),
                    ..ManagedRepoFilter::default()
                })
                .await?
            {
                if r.connector.as_ref() != Some(&connector.id) {
                    rows.push(r);
                }
            }
        }
        Ok(rows)
    }

    /// Turns managed scans on (`full`/`pr` say which) or off (both false)
    /// for the selected repositories of a connector. Syncs with the
    /// inventory first; queues a first full scan of each repository that
    /// just got full scans; queues the webhook subscription update when PR
    /// scans changed.
    pub async fn set_scanning(
        &self,
        connector: &ConnectorRecord,
        selector: &RepoSelector,
        full: bool,
        pr: bool,
    ) -> Result<EnableReport, EngineError> {
        let sync = self.sync_repos(connector).await?;
        let rows = self
            .store
            .list_managed_repos(&ManagedRepoFilter {
                connector: Some(connector.id.clone()),
                ..ManagedRepoFilter::default()
            })
            .await?;
        if !matches!(selector, RepoSelector::All) && !rows.iter().any(|r| selector.matches(r)) {
            return Err(EngineError::Invalid(format!(
                "no repository of connector {} matches {}; run `palisade discover` if it is new",
                connector.config.name,
                describe(selector)
            )));
        }
        let at = now();
        let changed = plan_enable(&rows, selector, full, pr, at);
        self.store.upsert_managed_repos(&changed).await?;
        // Never-scanned repositories are due: the first batch is queued now.
        let scans_queued = self.schedule_connector(connector, false, at).await?.queued;
        let before: HashMap<&str, &ManagedRepo> = rows.iter().map(|r| (r.repo_id.as_str(), r)).collect();
        // PR scans need PR events (a missing webhook URL is reported by the
        // job); full scans use push events when there is a URL.
        let url = self
            .store
            .scan_settings(&connector.id)
            .await?
            .webhook_url
            .is_some();
        let hooks_job = changed.iter().any(|r| {
            before
                .get(r.repo_id.as_str())
                .is_none_or(|b| b.pr_scans != r.pr_scans || (url && b.full_scans != r.full_scans))
        });
        if hooks_job {
            self.queue_job(JobSpec::Subscriptions {
                connector: connector.id.to_string(),
            })
            .await?;
        }
        Ok(EnableReport {
            sync,
            changed,
            scans_queued,
            hooks_job,
        })
    }
}

impl Engine {
    /// Saves a connector's managed-scan settings; webhook changes queue a
    /// subscription update (a new URL replaces every subscription).
    pub async fn set_scan_settings(
        &self,
        record: &ConnectorRecord,
        settings: &palisade_domain::ScanSettings,
    ) -> Result<(), EngineError> {
        settings.validate().map_err(EngineError::Invalid)?;
        let before = self.store.scan_settings(&record.id).await?;
        self.store.set_scan_settings(&record.id, settings, now()).await?;
        if before.webhook_url != settings.webhook_url {
            let (_, errors) = self.remove_subscriptions(record).await;
            for e in errors {
                tracing::warn!(connector = %record.config.name, error = %e, "could not remove an old subscription");
            }
            self.store.set_subscriptions(&record.id, &[]).await?;
        }
        if before.webhooks != settings.webhooks || before.webhook_url != settings.webhook_url {
            self.queue_job(JobSpec::Subscriptions {
                connector: record.id.to_string(),
            })
            .await?;
        }
        Ok(())
    }
}

fn describe(selector: &RepoSelector) -> String {
    match selector {
        RepoSelector::All => "all repositories".into(),
        RepoSelector::Org(o) => format!("organization {o}"),
        RepoSelector::Project { project, .. } => format!("project {project}"),
        RepoSelector::Repos(names) => names.join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(id: &str, name: &str, removed: bool, disabled: bool) -> InventoryRepo {
        InventoryRepo {
            org: OrgName::parse("contoso").expect("valid"),
            repo: palisade_domain::Repository {
                id: id.into(),
                name: name.into(),
                project_id: "p1".into(),
                project_name: "Web".into(),
                default_branch: Some("refs/heads/main".into()),
                size: 10,
                is_disabled: disabled,
                is_fork: false,
                is_hidden: false,
                web_url: format!("https://dev.azure.com/contoso/Web/_git/{name}"),
                remote_url: format!("https://contoso@dev.azure.com/contoso/Web/_git/{name}"),
            },
            removed,
        }
    }

    fn connector() -> ConnectorId {
        ConnectorId::parse("01890a5d-ac96-774b-bcce-b302099a8057").expect("uuid")
    }

    #[test]
    fn new_repos_are_offered_or_enabled() {
        let at = Timestamp::from_millis(1);
        let r = plan_sync(&connector(), &[inv("A", "api", false, false)], &[], false, at);
        assert_eq!((r.offered, r.enabled), (1, 0));
        assert_eq!(r.changed[0].state, ManagedState::Offered);
        assert_eq!(r.changed[0].repo_id, "a");
        assert_eq!(r.changed[0].default_branch.as_deref(), Some("main"));
        let r = plan_sync(&connector(), &[inv("A", "api", false, false)], &[], true, at);
        assert_eq!(r.changed[0].state, ManagedState::Enabled);
        assert_eq!(r.changed[0].labels, vec![MANAGED_SCAN_LABEL]);
        // Removed before first sight: nothing to keep.
        let r = plan_sync(&connector(), &[inv("A", "api", true, false)], &[], true, at);
        assert!(r.changed.is_empty());
        // Disabled in ADO at first sight: archived, never enabled.
        let r = plan_sync(&connector(), &[inv("A", "api", false, true)], &[], true, at);
        assert_eq!((r.archived, r.enabled), (1, 0));
        assert_eq!(r.changed[0].state, ManagedState::Archived);
        assert_eq!(r.changed[0].archive_reason, Some(ArchiveReason::DisabledInAdo));
        assert!(!r.changed[0].full_scans && r.changed[0].labels.is_empty());
    }

    #[test]
    fn vanished_repos_are_archived_and_come_back() {
        let at = Timestamp::from_millis(1);
        let first = plan_sync(&connector(), &[inv("a", "api", false, false)], &[], true, at).changed;
        let gone = plan_sync(&connector(), &[inv("a", "api", true, false)], &first, true, at);
        assert_eq!(gone.archived, 1);
        assert_eq!(gone.changed[0].state, ManagedState::Archived);
        assert_eq!(gone.changed[0].archive_reason, Some(ArchiveReason::Removed));
        assert_eq!(gone.changed[0].target, first[0].target, "target survives");
        let back = plan_sync(
            &connector(),
            &[inv("a", "api", false, false)],
            &gone.changed,
            false,
            at,
        );
        assert_eq!(back.restored, 1);
        assert_eq!(back.changed[0].state, ManagedState::Enabled, "settings kept");
        let disabled = plan_sync(&connector(), &[inv("a", "api", false, true)], &first, true, at);
        assert_eq!(
            disabled.changed[0].archive_reason,
            Some(ArchiveReason::DisabledInAdo)
        );
        // Nothing changed: nothing written.
        assert!(
            plan_sync(&connector(), &[inv("a", "api", false, false)], &first, true, at)
                .changed
                .is_empty()
        );
    }

    #[test]
    fn enable_and_disable_select_and_label() {
        let at = Timestamp::from_millis(1);
        let rows = plan_sync(
            &connector(),
            &[inv("a", "api", false, false), inv("b", "web", false, false)],
            &[],
            false,
            at,
        )
        .changed;
        let on = plan_enable(
            &rows,
            &RepoSelector::Repos(vec!["web/API".into()]),
            true,
            false,
            at,
        );
        assert_eq!(on.len(), 1);
        assert_eq!(on[0].name, "api");
        assert_eq!(on[0].labels, vec![MANAGED_SCAN_LABEL]);
        assert!(on[0].full_scans && !on[0].pr_scans);
        let off = plan_enable(&on, &RepoSelector::All, false, false, at);
        assert_eq!(off[0].state, ManagedState::Disabled);
        assert!(off[0].labels.is_empty());
        let project = RepoSelector::Project {
            org: None,
            project: "WEB".into(),
        };
        assert_eq!(plan_enable(&rows, &project, true, true, at).len(), 2);
    }
}
