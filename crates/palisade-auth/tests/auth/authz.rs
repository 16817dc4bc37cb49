//! Every role × scope × action × connector case against an explicit table.

use palisade_auth::{Action, Reach, allows, reach};
use palisade_domain::{Grant, Role, RoleScope};

/// The grant's connector, another connector, the whole installation.
const ASKED: [Option<&str>; 3] = [Some("c1"), Some("c2"), None];

/// Columns, in this order. Each cell has one character per [`ASKED`] entry:
/// `y` allowed, `.` refused.
fn columns() -> [Grant; 6] {
    let at = |role, scope| Grant { role, scope };
    let c1 = || RoleScope::Connector("c1".to_owned());
    [
        at(Role::Admin, RoleScope::All),
        at(Role::Admin, c1()),
        at(Role::SecurityAdmin, RoleScope::All),
        at(Role::SecurityAdmin, c1()),
        at(Role::Reader, RoleScope::All),
        at(Role::Reader, c1()),
    ]
}

#[rustfmt::skip]
const EXPECTED: [(Action, [&str; 6]); 10] = [
    //                            Admin@All Admin@c1 SecAdm@All SecAdm@c1 Reader@All Reader@c1
    (Action::ReadInventory,    ["yyy",    "y..",   "yyy",     "y..",    "yyy",     "y.."]),
    (Action::ReadFindings,     ["yyy",    "y..",   "yyy",     "y..",    "yyy",     "y.."]),
    (Action::TriageFindings,   ["yyy",    "y..",   "yyy",     "y..",    "...",     "..."]),
    (Action::ManageConnectors, ["yyy",    "y..",   "yyy",     "y..",    "...",     "..."]),
    (Action::RunDiscovery,     ["yyy",    "y..",   "yyy",     "y..",    "...",     "..."]),
    (Action::ManageScans,      ["yyy",    "y..",   "yyy",     "y..",    "...",     "..."]),
    (Action::ManagePosture,    ["yyy",    "y..",   "yyy",     "y..",    "...",     "..."]),
    (Action::ManageUsers,      ["yyy",    "...",   "...",     "...",    "...",     "..."]),
    (Action::ReadAudit,        ["yyy",    "...",   "...",     "...",    "...",     "..."]),
    (Action::ManageOwnTokens,  ["yyy",    "y.y",   "yyy",     "y.y",    "yyy",     "y.y"]),
];

#[test]
fn the_table_lists_every_action_once() {
    let listed: Vec<Action> = EXPECTED.iter().map(|(a, _)| *a).collect();
    assert_eq!(listed, Action::ALL);
}

#[test]
fn full_matrix() {
    let mut wrong = Vec::new();
    let mut checked = 0;
    for (action, cells) in EXPECTED {
        for (grant, cell) in columns().iter().zip(cells) {
            for (asked, want) in ASKED.iter().zip(cell.chars()) {
                let want = want == 'y';
                let got = allows(std::slice::from_ref(grant), action, *asked);
                checked += 1;
                if got != want {
                    wrong.push(format!(
                        "{:?} at {:?}, {action} on {asked:?}: got {got}, want {want}",
                        grant.role, grant.scope
                    ));
                }
            }
        }
    }
    assert_eq!(checked, 3 * 2 * 10 * 3);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn no_grants_allow_nothing() {
    for action in Action::ALL {
        for asked in ASKED {
            assert!(!allows(&[], action, asked), "{action} on {asked:?}");
        }
        assert_eq!(reach(&[], action), Reach::Nowhere);
    }
}

#[test]
fn grants_add_up() {
    let grants = [
        Grant {
            role: Role::Reader,
            scope: RoleScope::All,
        },
        Grant {
            role: Role::SecurityAdmin,
            scope: RoleScope::Connector("c1".to_owned()),
        },
        Grant {
            role: Role::SecurityAdmin,
            scope: RoleScope::Connector("c3".to_owned()),
        },
    ];
    assert!(allows(&grants, Action::ReadFindings, None));
    assert!(allows(&grants, Action::TriageFindings, Some("c1")));
    assert!(allows(&grants, Action::TriageFindings, Some("c3")));
    assert!(!allows(&grants, Action::TriageFindings, Some("c2")));
    assert!(!allows(&grants, Action::TriageFindings, None));
    assert!(!allows(&grants, Action::ManageUsers, Some("c1")));
    assert_eq!(reach(&grants, Action::ReadFindings), Reach::All);
    let triage = reach(&grants, Action::TriageFindings);
    assert_eq!(
        triage,
        Reach::Connectors(["c1".to_owned(), "c3".to_owned()].into())
    );
    assert!(triage.covers("c3") && !triage.covers("c2"));
    assert_eq!(reach(&grants, Action::ReadAudit), Reach::Nowhere);
}

#[test]
fn connector_ids_compare_exactly() {
    let grants = [Grant {
        role: Role::Admin,
        scope: RoleScope::Connector("C1".to_owned()),
    }];
    assert!(!allows(&grants, Action::ReadFindings, Some("c1")));
    assert!(!allows(&grants, Action::ReadFindings, Some("C1 ")));
    assert!(allows(&grants, Action::ReadFindings, Some("C1")));
}

#[test]
fn reach_agrees_with_allows() {
    for grant in columns() {
        let grants = [grant];
        for action in Action::ALL {
            let r = reach(&grants, action);
            for id in ["c1", "c2"] {
                assert_eq!(
                    r.covers(id),
                    allows(&grants, action, Some(id)),
                    "{grants:?} {action} {id}"
                );
            }
        }
    }
}
