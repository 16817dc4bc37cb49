use palisade_ado::{HostForm, join_segments, org_base_url};
use palisade_domain::{Deployment, OrgName};
use proptest::prelude::*;

fn org(s: &str) -> OrgName {
    OrgName::parse(s).unwrap()
}

#[test]
fn organization_url_forms() {
    let cloud = Deployment::public_cloud();
    assert_eq!(
        org_base_url(&cloud, &org("contoso"), HostForm::Path)
            .unwrap()
            .as_str(),
        "https://dev.azure.com/contoso"
    );
    assert_eq!(
        org_base_url(&cloud, &org("contoso"), HostForm::Legacy)
            .unwrap()
            .as_str(),
        "https://contoso.visualstudio.com/"
    );
    let tfs = Deployment::Server {
        server_url: "https://ado.corp.example/tfs/".into(),
    };
    assert_eq!(
        org_base_url(&tfs, &org("DefaultCollection"), HostForm::Path)
            .unwrap()
            .as_str(),
        "https://ado.corp.example/tfs/DefaultCollection"
    );
    let bare = Deployment::Server {
        server_url: "https://ado.corp.example".into(),
    };
    assert_eq!(
        org_base_url(&bare, &org("DefaultCollection"), HostForm::Legacy)
            .unwrap()
            .as_str(),
        "https://ado.corp.example/DefaultCollection",
        "the legacy host form is a cloud-only thing"
    );
}

#[test]
fn segments_are_appended_after_the_collection() {
    let base = url::Url::parse("https://host/tfs/DefaultCollection").unwrap();
    let u = join_segments(&base, &["My Project", "_apis", "git", "repositories", "a/b#c?d"]);
    assert_eq!(
        u.as_str(),
        "https://host/tfs/DefaultCollection/My%20Project/_apis/git/repositories/a%2Fb%23c%3Fd"
    );
    let legacy = url::Url::parse("https://contoso.visualstudio.com/").unwrap();
    assert_eq!(
        join_segments(&legacy, &["_apis", "projects"]).as_str(),
        "https://contoso.visualstudio.com/_apis/projects"
    );
}

proptest! {
    #[test]
    fn any_project_and_repo_name_round_trips(project in "\\PC{1,40}", repo in "\\PC{1,40}") {
        prop_assume!(project != "." && project != ".." && repo != "." && repo != "..");
        let base = url::Url::parse("https://dev.azure.com/fabrikam").unwrap();
        let u = join_segments(&base, &[&project, "_apis", "git", "repositories", &repo]);
        let reparsed = url::Url::parse(u.as_str()).unwrap();
        prop_assert_eq!(reparsed.host_str(), Some("dev.azure.com"));
        prop_assert!(reparsed.query().is_none() && reparsed.fragment().is_none());
        let segs: Vec<String> = reparsed
            .path_segments()
            .unwrap()
            .map(|s| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned())
            .collect();
        prop_assert_eq!(segs.len(), 6);
        prop_assert_eq!(&segs[0], "fabrikam");
        prop_assert_eq!(&segs[1], &project);
        prop_assert_eq!(&segs[5], &repo);
    }
}
