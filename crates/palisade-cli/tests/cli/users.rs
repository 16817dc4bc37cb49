//! `palisade users|tokens|audit`: passwords and tokens never stored or
//! shown in clear, bad input refused, every change audited.

use crate::{Env, contains};

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("json: {e}\n{stdout}"))
}

#[test]
fn users_tokens_and_audit() {
    let env = Env::new();
    let password = "correct horse battery staple 42";
    let add = env.run_stdin(
        &["users", "add", "alice", "--role", "admin", "--password-stdin"],
        &format!("{password}\n"),
    );
    assert_eq!(add.code, 0, "{add:?}");
    assert!(add.stdout.contains("user alice created: admin"), "{add:?}");

    // Bad input: a clear error, nothing created.
    for (args, stdin, says) in [
        (
            vec!["users", "add", "ALICE", "--role", "reader", "--password-stdin"],
            "another long password\n",
            "already exists",
        ),
        (
            vec!["users", "add", "bob", "--role", "reader", "--password-stdin"],
            "short\n",
            "12",
        ),
        (
            vec!["users", "add", "b<o>b", "--role", "reader", "--password-stdin"],
            "another long password\n",
            "user name",
        ),
        (
            vec!["users", "add", "bob", "--role", "owner", "--password-stdin"],
            "another long password\n",
            "unknown role",
        ),
        (
            vec![
                "users",
                "add",
                "bob",
                "--role",
                "reader",
                "--connector",
                "nope",
                "--password-stdin",
            ],
            "another long password\n",
            "not found",
        ),
    ] {
        let r = env.run_stdin(&args, stdin);
        assert_eq!(r.code, 2, "{args:?}: {r:?}");
        assert!(r.stderr.contains(says), "{args:?}: {r:?}");
    }
    let users = json(&env.run(&["users", "list", "--format", "json"]).stdout);
    assert_eq!(users.as_array().unwrap().len(), 1, "{users}");
    assert!(users[0].get("password_hash").is_none(), "{users}");

    let reader = env.run_stdin(
        &["users", "add", "bob", "--role", "reader", "--password-stdin"],
        "bob's long password\n",
    );
    assert_eq!(reader.code, 0, "{reader:?}");

    // A token is printed once, on stdout only.
    let created = env.run(&[
        "tokens",
        "create",
        "--user",
        "bob",
        "--name",
        "ci export",
        "--expires",
        "30d",
    ]);
    assert_eq!(created.code, 0, "{created:?}");
    let token = created.stdout.trim().to_owned();
    assert!(token.starts_with("pal_") && token.len() > 40, "{created:?}");
    assert!(!created.stderr.contains(&token), "{created:?}");
    let listed = env.run(&["tokens", "list", "--format", "json"]);
    assert!(!listed.stdout.contains(&token), "{listed:?}");
    let id = json(&listed.stdout)[0]["id"].as_str().unwrap().to_owned();
    assert!(token.contains(&id), "the token names its id");
    let expired = env.run(&[
        "tokens",
        "create",
        "--user",
        "bob",
        "--name",
        "x",
        "--expires",
        "2001-01-01",
    ]);
    assert_eq!(expired.code, 2, "{expired:?}");

    // Neither the password nor the token is in the store in clear.
    let stored = env.stored_bytes();
    assert!(!contains(&stored, password), "password in clear");
    assert!(!contains(&stored, &token), "token in clear");
    assert!(
        !contains(&stored, token.rsplit('_').next().unwrap()),
        "token secret in clear"
    );

    // Disabling bob revokes his token; revoking again is a conflict.
    assert_eq!(env.run(&["users", "disable", "bob"]).code, 0);
    let again = env.run(&["tokens", "revoke", &id]);
    assert_eq!(again.code, 2, "{again:?}");
    assert!(env.run(&["tokens", "list"]).stdout.contains("revoked"));

    let audit = json(&env.run(&["audit", "--format", "json"]).stdout);
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["user.disable", "token.create", "user.create", "user.create"],
        "{audit}"
    );
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor"].as_str().unwrap().starts_with("cli:"))
    );
    assert!(!audit.to_string().contains(&token));
    let token_entries = json(
        &env.run(&["audit", "--action", "token.", "--format", "json"])
            .stdout,
    );
    assert_eq!(token_entries.as_array().unwrap().len(), 1);
}
