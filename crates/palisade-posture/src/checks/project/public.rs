use palisade_domain::{ResourceKind, Severity};

use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.project.public",
    title: "Projects should not be public",
    severity: Severity::High,
    target: ResourceKind::Project,
    rationale: "A public project is readable by anyone on the internet without signing in: its repositories, \
        pipeline definitions, build logs (where scripts echo secrets, internal host names and tokens), \
        work items and wiki. Attackers search public Azure DevOps projects for exactly these.",
    remediation: &[
        "Project settings > Overview > Visibility: set the project to Private.",
        "Or PATCH _apis/projects/{projectId}?api-version=7.1 with {\"visibility\": \"private\"}.",
        "Rotate every secret that appeared in the project's code or logs while it was public, and turn \
         off \"Allow public projects\" in Organization settings > Security > Policies \
             (ado.org.public-projects-allowed).",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/organizations/projects/make-project-public",
        "https://learn.microsoft.com/azure/devops/organizations/projects/about-projects",
    ],
    permissions: "Project & Team (read): GET _apis/projects (any member of the project)",
    defender: None,
    azsk: &["ADO_Project_AuthZ_Set_Visibility_Private_Or_Enterprise"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    for p in inv.projects() {
        let visibility = &p.value.visibility;
        let public = visibility.eq_ignore_ascii_case("public");
        let outcome = match inv.org_unread(p.org_id, "project") {
            // The last listing failed: what we have is from an earlier one.
            Some(why) if public => Outcome::fail(format!(
                "the project was public when last read ({why}): anyone on the internet could read it"
            )),
            Some(why) => Outcome::unknown(format!("{why}; the project was {visibility} when last read")),
            None => Outcome::require(
                !public,
                format!("the project is {visibility}: only signed-in users with access can see it"),
                "the project is public: anyone on the internet can read its code, pipelines and build logs",
            ),
        };
        out.push(&p, outcome);
    }
}

#[cfg(test)]
mod tests {
    use palisade_domain::Resource;

    use super::CHECK;
    use crate::Status;
    use crate::checks::testing::statuses;
    use crate::fixture::Estate;

    fn with_visibility(v: &str) -> Estate {
        Estate::new().map(|r| {
            if let Resource::Project(p) = r {
                p.visibility = v.into();
            }
        })
    }

    #[test]
    fn private_project_passes() {
        assert_eq!(statuses(&CHECK, &with_visibility("private")), [Status::Pass]);
        assert_eq!(statuses(&CHECK, &with_visibility("organization")), [Status::Pass]);
    }

    #[test]
    fn public_project_fails() {
        assert_eq!(statuses(&CHECK, &with_visibility("Public")), [Status::Fail]);
    }

    #[test]
    fn unread_project_listing_is_unknown_unless_it_was_public() {
        assert_eq!(statuses(&CHECK, &Estate::unreadable()), [Status::Unknown]);
        let was_public = Estate::unreadable().map(|r| {
            if let Resource::Project(p) = r {
                p.visibility = "public".into();
            }
        });
        assert_eq!(statuses(&CHECK, &was_public), [Status::Fail]);
    }
}
