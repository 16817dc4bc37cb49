//! Users with their grants, API tokens, and the audit log every change
//! writes in its own transaction.

use palisade_domain::{Grant, Role, RoleScope, Username};
use palisade_store::{
    AccessStore, ApiTokenRecord, AuditFilter, NewApiToken, NewAuditEntry, NewSession, NewUser, StoreError,
    UserRecord,
};
use serde_json::json;

use crate::fixtures::minutes;
use crate::harness::Harness;

const ADMIN: &str = "root";
/// An argon2id PHC string, as `palisade-auth` makes them.
const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA";
const OTHER_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$b3RoZXJzYWx0$b3RoZXJoYXNob3RoZXJoYXNob3RoZXJoYXNo";

fn name(s: &str) -> Username {
    Username::parse(s).expect("valid user name")
}

fn new_user(username: &str) -> NewUser {
    NewUser {
        username: name(username),
        display_name: Some(format!("{username} (test)")),
        password_hash: Some(HASH.into()),
    }
}

fn grant(role: Role, scope: RoleScope) -> Grant {
    Grant { role, scope }
}

fn token(id: &str, user: &UserRecord, secret: u8, expires_at: Option<i64>) -> NewApiToken {
    NewApiToken {
        id: id.into(),
        user_id: user.id.clone(),
        name: format!("token {id}"),
        secret_hash: [secret; 32],
        expires_at: expires_at.map(minutes),
    }
}

async fn user<S: AccessStore>(store: &S, username: &str, minute: i64) -> UserRecord {
    store
        .create_user(
            &new_user(username),
            &[grant(Role::Reader, RoleScope::All)],
            ADMIN,
            minutes(minute),
        )
        .await
        .expect("create user")
}

fn actions(entries: &[palisade_store::AuditEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.action.as_str()).collect()
}

/// Users are found by id or by name ignoring case; a name taken in another
/// case is a conflict that says so.
pub async fn users_are_created_listed_and_unique_ignoring_case<H: Harness>(h: &H) {
    let store = h.open().await;
    let grants = [
        grant(Role::SecurityAdmin, RoleScope::Connector("c1".into())),
        grant(Role::Reader, RoleScope::All),
        grant(Role::Reader, RoleScope::All),
    ];
    let alice = store
        .create_user(&new_user("Alice"), &grants, ADMIN, minutes(1))
        .await
        .expect("create alice");
    assert_eq!(alice.id.len(), 36);
    assert_eq!(alice.username.as_str(), "Alice");
    assert_eq!(alice.display_name.as_deref(), Some("Alice (test)"));
    assert_eq!(alice.password_hash.as_deref(), Some(HASH));
    assert_eq!(alice.created_at, minutes(1));
    assert_eq!(alice.disabled_at, None);
    // Sorted, duplicates dropped.
    assert_eq!(
        alice.grants,
        vec![
            grant(Role::SecurityAdmin, RoleScope::Connector("c1".into())),
            grant(Role::Reader, RoleScope::All),
        ]
    );

    let oidc_only = store
        .create_user(
            &NewUser {
                username: name("bob@contoso"),
                display_name: None,
                password_hash: None,
            },
            &[],
            ADMIN,
            minutes(2),
        )
        .await
        .expect("create bob");
    assert_eq!(oidc_only.password_hash, None);
    assert!(oidc_only.grants.is_empty());

    for key in [alice.id.as_str(), "alice", "ALICE", "Alice"] {
        let got = store.get_user(key).await.expect("get alice");
        assert_eq!(got.id, alice.id, "{key}");
        assert_eq!(got.grants, alice.grants, "{key}");
    }
    assert!(matches!(
        store.get_user("carol").await,
        Err(StoreError::NotFound(_))
    ));

    match store
        .create_user(&new_user("aLiCe"), &[], ADMIN, minutes(3))
        .await
    {
        Err(StoreError::Conflict(m)) => {
            assert!(m.contains("already exists") && m.contains("Alice"), "{m}");
        }
        other => panic!("expected a name conflict, got {other:?}"),
    }

    let listed = store.list_users().await.expect("list users");
    let names: Vec<_> = listed.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names, ["Alice", "bob@contoso"]);
    assert_eq!(listed[0].grants, alice.grants);
    assert!(listed[1].grants.is_empty());

    // The refused create left no trace.
    let audit = store.audit_log(&AuditFilter::default()).await.expect("audit");
    assert_eq!(actions(&audit), ["user.create", "user.create"]);
    assert_eq!(audit[1].target, "Alice");
    assert_eq!(audit[1].actor, ADMIN);
    assert_eq!(audit[1].details["id"], json!(alice.id));
    assert_eq!(audit[1].details["password"], json!(true));
}

/// Grants are replaced as a whole; a new password replaces the hash. Both
/// are audited; an unknown user is not found and changes nothing.
pub async fn grants_are_replaced_and_passwords_set<H: Harness>(h: &H) {
    let store = h.open().await;
    let alice = user(&store, "alice", 1).await;
    let new_grants = [
        grant(Role::Admin, RoleScope::All),
        grant(Role::Reader, RoleScope::Connector("c2".into())),
    ];
    let changed = store
        .set_grants(&alice.id, &new_grants, ADMIN, minutes(2))
        .await
        .expect("set grants");
    assert_eq!(changed.grants, new_grants.to_vec());
    assert_eq!(
        store.get_user("alice").await.expect("get").grants,
        new_grants.to_vec()
    );
    let none = store
        .set_grants(&alice.id, &[], ADMIN, minutes(3))
        .await
        .expect("clear grants");
    assert!(none.grants.is_empty());

    store
        .set_password(&alice.id, OTHER_HASH, ADMIN, minutes(4))
        .await
        .expect("set password");
    assert_eq!(
        store
            .get_user(&alice.id)
            .await
            .expect("get")
            .password_hash
            .as_deref(),
        Some(OTHER_HASH)
    );

    assert!(matches!(
        store
            .set_grants("no-such-user", &new_grants, ADMIN, minutes(5))
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.set_password("no-such-user", HASH, ADMIN, minutes(5)).await,
        Err(StoreError::NotFound(_))
    ));

    let audit = store.audit_log(&AuditFilter::default()).await.expect("audit");
    assert_eq!(
        actions(&audit),
        ["user.password", "user.grants", "user.grants", "user.create"]
    );
    assert!(audit.iter().all(|e| e.target == "alice"));
    assert_eq!(audit[1].details["grants"], json!([]));
    assert_eq!(audit[2].details["grants"], json!(new_grants));
    assert_eq!(
        audit[2].details["previous"],
        json!([grant(Role::Reader, RoleScope::All)])
    );
}

/// Disabling a user revokes their active tokens (not other users', not the
/// already revoked or expired ones) in the same transaction.
pub async fn disabling_a_user_revokes_their_tokens<H: Harness>(h: &H) {
    let store = h.open().await;
    let alice = user(&store, "alice", 1).await;
    let bob = user(&store, "bob", 1).await;
    for (id, owner, expires) in [
        ("a-live", &alice, None),
        ("a-revoked", &alice, None),
        ("a-expired", &alice, Some(5)),
        ("b-live", &bob, None),
    ] {
        store
            .create_api_token(&token(id, owner, 1, expires), ADMIN, minutes(2))
            .await
            .expect("create token");
    }
    store
        .revoke_api_token("a-revoked", ADMIN, minutes(3))
        .await
        .expect("revoke");

    let disabled = store
        .disable_user(&alice.id, ADMIN, minutes(10))
        .await
        .expect("disable");
    assert_eq!(disabled.disabled_at, Some(minutes(10)));
    assert_eq!(
        store.get_user("alice").await.expect("get").disabled_at,
        Some(minutes(10))
    );
    let revoked_at = |id: &'static str| {
        let store = store.clone();
        async move { store.api_token(id).await.expect("token").revoked_at }
    };
    assert_eq!(revoked_at("a-live").await, Some(minutes(10)));
    assert_eq!(revoked_at("a-revoked").await, Some(minutes(3)));
    assert_eq!(revoked_at("a-expired").await, None);
    assert_eq!(revoked_at("b-live").await, None);

    match store.disable_user(&alice.id, ADMIN, minutes(11)).await {
        Err(StoreError::Conflict(m)) => assert!(m.contains("already disabled"), "{m}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(matches!(
        store.disable_user("no-such-user", ADMIN, minutes(11)).await,
        Err(StoreError::NotFound(_))
    ));
    // A disabled user gets no new token.
    assert!(matches!(
        store
            .create_api_token(&token("a-new", &alice, 2, None), ADMIN, minutes(12))
            .await,
        Err(StoreError::Conflict(_))
    ));

    let audit = store
        .audit_log(&AuditFilter {
            action_prefix: Some("user.disable".into()),
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].target, "alice");
    assert_eq!(audit[0].details["revoked_tokens"], json!(["a-live"]));
}

/// A token is found by its id with its digest; it is active until revoked
/// or expired; revoking twice is a conflict; a use moves `last_used_at`
/// forward only.
pub async fn api_tokens_are_created_revoked_expired_and_touched<H: Harness>(h: &H) {
    let store = h.open().await;
    let alice = user(&store, "alice", 1).await;
    let bob = user(&store, "bob", 1).await;
    let created = store
        .create_api_token(&token("tok1", &alice, 7, Some(60)), "alice", minutes(2))
        .await
        .expect("create tok1");
    assert_eq!(created.id, "tok1");
    assert_eq!(created.user_id, alice.id);
    assert_eq!(created.name, "token tok1");
    assert_eq!(created.secret_hash, [7; 32]);
    assert_eq!(created.created_at, minutes(2));
    assert_eq!(created.expires_at, Some(minutes(60)));
    assert_eq!((created.revoked_at, created.last_used_at), (None, None));
    store
        .create_api_token(&token("tok2", &alice, 8, None), "alice", minutes(3))
        .await
        .expect("create tok2");
    store
        .create_api_token(&token("tok3", &bob, 9, None), "bob", minutes(4))
        .await
        .expect("create tok3");

    let got = store.api_token("tok1").await.expect("lookup");
    assert_eq!(got.secret_hash, [7; 32]);
    assert!(got.is_active(minutes(59)));
    assert!(!got.is_active(minutes(60)));
    assert!(matches!(
        store.api_token("nope").await,
        Err(StoreError::NotFound(_))
    ));

    match store
        .create_api_token(&token("tok1", &bob, 1, None), "bob", minutes(5))
        .await
    {
        Err(StoreError::Conflict(m)) => assert!(m.contains("already exists"), "{m}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    let stranger = NewApiToken {
        user_id: "no-such-user".into(),
        ..token("tok9", &bob, 1, None)
    };
    assert!(matches!(
        store.create_api_token(&stranger, ADMIN, minutes(5)).await,
        Err(StoreError::NotFound(_))
    ));

    let ids = |v: Vec<ApiTokenRecord>| v.into_iter().map(|t| t.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.list_api_tokens(Some(&alice.id)).await.expect("alice's")),
        ["tok2", "tok1"]
    );
    assert_eq!(
        ids(store.list_api_tokens(None).await.expect("all")),
        ["tok3", "tok2", "tok1"]
    );
    assert!(
        store
            .list_api_tokens(Some("no-such-user"))
            .await
            .expect("none")
            .is_empty()
    );

    store.touch_api_token("tok2", minutes(10)).await.expect("touch");
    assert_eq!(
        store.api_token("tok2").await.expect("tok2").last_used_at,
        Some(minutes(10))
    );
    store
        .touch_api_token("tok2", minutes(8))
        .await
        .expect("touch late");
    assert_eq!(
        store.api_token("tok2").await.expect("tok2").last_used_at,
        Some(minutes(10))
    );
    store
        .touch_api_token("tok2", minutes(12))
        .await
        .expect("touch again");
    assert_eq!(
        store.api_token("tok2").await.expect("tok2").last_used_at,
        Some(minutes(12))
    );
    assert!(matches!(
        store.touch_api_token("nope", minutes(12)).await,
        Err(StoreError::NotFound(_))
    ));

    let revoked = store
        .revoke_api_token("tok2", "alice", minutes(20))
        .await
        .expect("revoke");
    assert_eq!(revoked.revoked_at, Some(minutes(20)));
    // Revoked is for good, whatever the time asked about.
    assert!(!revoked.is_active(minutes(19)));
    assert!(
        !store
            .api_token("tok2")
            .await
            .expect("tok2")
            .is_active(minutes(21))
    );
    assert!(
        store
            .api_token("tok3")
            .await
            .expect("tok3")
            .is_active(minutes(21))
    );
    match store.revoke_api_token("tok2", "alice", minutes(21)).await {
        Err(StoreError::Conflict(m)) => assert!(m.contains("already revoked"), "{m}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(matches!(
        store.revoke_api_token("nope", "alice", minutes(21)).await,
        Err(StoreError::NotFound(_))
    ));

    let audit = store
        .audit_log(&AuditFilter {
            action_prefix: Some("token.".into()),
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(
        actions(&audit),
        ["token.revoke", "token.create", "token.create", "token.create"]
    );
    assert_eq!(audit[0].target, "tok2");
    assert_eq!(audit[3].target, "tok1");
    assert_eq!(audit[3].actor, "alice");
    assert_eq!(audit[3].details["user"], json!("alice"));
}

/// Entries come newest first, filtered by actor, action prefix and time,
/// and limited; appended entries keep their source and details.
pub async fn audit_log_is_filtered_newest_first<H: Harness>(h: &H) {
    let store = h.open().await;
    let appended = [
        ("alice", "connector.create", 1, Some("10.0.0.1")),
        ("bob", "connector.delete", 2, None),
        ("alice", "finding.triage", 3, Some("cli")),
        ("system", "connectors.sync", 4, None),
    ];
    for (actor, action, minute, source) in appended {
        store
            .append_audit(&NewAuditEntry {
                at: minutes(minute),
                actor: actor.into(),
                action: action.into(),
                target: format!("target {minute}"),
                source: source.map(Into::into),
                details: json!({ "minute": minute, "nested": { "list": [1, 2] } }),
            })
            .await
            .expect("append");
    }
    let all = store.audit_log(&AuditFilter::default()).await.expect("all");
    assert_eq!(
        actions(&all),
        [
            "connectors.sync",
            "finding.triage",
            "connector.delete",
            "connector.create"
        ]
    );
    assert!(all.windows(2).all(|w| w[0].seq > w[1].seq));
    assert_eq!(all[3].source.as_deref(), Some("10.0.0.1"));
    assert_eq!(all[3].at, minutes(1));
    assert_eq!(all[3].target, "target 1");
    assert_eq!(
        all[3].details,
        json!({ "minute": 1, "nested": { "list": [1, 2] } })
    );
    assert_eq!(all[2].source, None);

    let filtered = |filter: AuditFilter| {
        let store = store.clone();
        async move {
            let got = store.audit_log(&filter).await.expect("filtered");
            got.into_iter().map(|e| e.action).collect::<Vec<_>>()
        }
    };
    assert_eq!(
        filtered(AuditFilter {
            actor: Some("alice".into()),
            ..AuditFilter::default()
        })
        .await,
        ["finding.triage", "connector.create"]
    );
    // A prefix, not a pattern: `connector.` is not `connectors.`.
    assert_eq!(
        filtered(AuditFilter {
            action_prefix: Some("connector.".into()),
            ..AuditFilter::default()
        })
        .await,
        ["connector.delete", "connector.create"]
    );
    assert_eq!(
        filtered(AuditFilter {
            action_prefix: Some("connector_".into()),
            ..AuditFilter::default()
        })
        .await,
        Vec::<String>::new()
    );
    assert_eq!(
        filtered(AuditFilter {
            since: Some(minutes(2)),
            ..AuditFilter::default()
        })
        .await,
        ["connectors.sync", "finding.triage", "connector.delete"]
    );
    assert_eq!(
        filtered(AuditFilter {
            limit: 2,
            ..AuditFilter::default()
        })
        .await,
        ["connectors.sync", "finding.triage"]
    );
    assert_eq!(
        filtered(AuditFilter {
            actor: Some("alice".into()),
            action_prefix: Some("connector".into()),
            since: Some(minutes(1)),
            limit: 5,
        })
        .await,
        ["connector.create"]
    );
}

/// Neither a password hash nor a token digest leaves the store in JSON: not
/// in a serialized record, not in the audit log.
pub async fn serialized_records_carry_no_hash<H: Harness>(h: &H) {
    let store = h.open().await;
    let alice = user(&store, "alice", 1).await;
    store
        .set_password(&alice.id, OTHER_HASH, ADMIN, minutes(2))
        .await
        .expect("set password");
    let secret_hash = [0xab; 32];
    let created = store
        .create_api_token(
            &NewApiToken {
                secret_hash,
                ..token("tok1", &alice, 0, None)
            },
            ADMIN,
            minutes(3),
        )
        .await
        .expect("create token");
    store
        .revoke_api_token("tok1", ADMIN, minutes(4))
        .await
        .expect("revoke");
    store
        .disable_user(&alice.id, ADMIN, minutes(5))
        .await
        .expect("disable");

    let user_json = serde_json::to_value(store.get_user(&alice.id).await.expect("get")).expect("user json");
    assert_eq!(user_json["username"], json!("alice"));
    assert_eq!(user_json["grants"][0]["role"], json!("reader"));
    assert!(user_json.get("password_hash").is_none(), "{user_json}");
    let token_json = serde_json::to_value(&created).expect("token json");
    assert_eq!(token_json["id"], json!("tok1"));
    assert!(token_json.get("secret_hash").is_none(), "{token_json}");

    // The digest as hex, and as the byte list serde would make of it.
    let hex = "ab".repeat(32);
    let audit = store.audit_log(&AuditFilter::default()).await.expect("audit");
    assert_eq!(audit.len(), 5);
    let texts = [
        user_json.to_string(),
        token_json.to_string(),
        serde_json::to_string(&audit).expect("audit json"),
    ];
    for text in &texts {
        for needle in ["argon2", HASH, OTHER_HASH, &hex, "171,171"] {
            assert!(!text.contains(needle), "{needle} in {text}");
        }
    }
}

fn session(user: &UserRecord, secret: u8, expires_minute: i64) -> NewSession {
    NewSession {
        id_hash: [secret; 32],
        user_id: user.id.clone(),
        expires_at: minutes(expires_minute),
        source: Some("127.0.0.1".into()),
        user_agent: Some("test-agent".into()),
    }
}

/// Sessions are found by digest, touched, ended (twice is fine) and pruned;
/// a new password or disabling the user ends them all; sign-ins and
/// sign-outs are audited with their source; a disabled user gets none.
pub async fn sessions_open_end_and_die_with_their_user<H: Harness>(h: &H) {
    let store = &h.open().await;
    let ann = user(store, "ann", 1).await;
    let bob = user(store, "bob", 1).await;
    let s1 = store
        .create_session(&session(&ann, 1, 600), minutes(2))
        .await
        .expect("open session");
    assert_eq!(s1.user_id, ann.id);
    assert_eq!(s1.last_seen_at, minutes(2));
    store
        .create_session(&session(&ann, 2, 600), minutes(2))
        .await
        .expect("second session");
    store
        .create_session(&session(&bob, 3, 5), minutes(2))
        .await
        .expect("bob's session");
    store.touch_session(&[1; 32], minutes(4)).await.expect("touch");
    assert_eq!(
        store.session(&[1; 32]).await.expect("read").last_seen_at,
        minutes(4)
    );
    assert!(matches!(
        store.session(&[9; 32]).await,
        Err(StoreError::NotFound(_))
    ));

    store.end_session(&[1; 32], minutes(5)).await.expect("sign out");
    store
        .end_session(&[1; 32], minutes(5))
        .await
        .expect("signing out twice is fine");
    assert!(matches!(
        store.session(&[1; 32]).await,
        Err(StoreError::NotFound(_))
    ));

    // Bob's session ended at minute 5: pruning at 6 removes it only.
    assert_eq!(store.prune_sessions(minutes(6)).await.expect("prune"), 1);
    assert!(store.session(&[2; 32]).await.is_ok());

    store
        .set_password(&ann.id, OTHER_HASH, ADMIN, minutes(7))
        .await
        .expect("new password");
    assert!(matches!(
        store.session(&[2; 32]).await,
        Err(StoreError::NotFound(_))
    ));

    store
        .create_session(&session(&ann, 4, 600), minutes(8))
        .await
        .expect("sign in again");
    store
        .disable_user(&ann.id, ADMIN, minutes(9))
        .await
        .expect("disable");
    assert!(matches!(
        store.session(&[4; 32]).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.create_session(&session(&ann, 5, 600), minutes(10)).await,
        Err(StoreError::Conflict(_))
    ));

    let log = store
        .audit_log(&AuditFilter {
            action_prefix: Some("session.".into()),
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(
        actions(&log),
        [
            "session.create",
            "session.end",
            "session.create",
            "session.create",
            "session.create"
        ]
    );
    assert!(log.iter().all(|e| e.source.as_deref() == Some("127.0.0.1")));
}
