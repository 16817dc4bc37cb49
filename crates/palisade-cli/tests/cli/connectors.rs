//! `palisade connector ...` against the simulator.

use std::io::{BufRead, BufReader, Read, Write};

use crate::{DEMO_PAT, EXPIRED_PAT, Env, NOCODE_PAT, SimServer, TENANT, contains};

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("json: {e}\n{stdout}"))
}

#[test]
fn create_with_pat_on_stdin_lists_and_never_leaks_the_pat() {
    let sim = SimServer::start();
    let env = Env::new();
    let mut args = vec![
        "-vv",
        "connector",
        "create",
        "ado-contoso",
        "--org",
        "contoso",
        "--pat-stdin",
    ];
    let urls = sim.cloud_args();
    args.extend(urls.iter().map(String::as_str));
    let created = env.run_stdin(&args, &format!("{DEMO_PAT}\n"));
    assert_eq!(created.code, 0, "{created:?}");
    assert!(
        created.stdout.contains("Created connector ado-contoso"),
        "{created:?}"
    );
    assert!(
        created.stdout.contains("authenticated as: alice@contoso.com"),
        "{created:?}"
    );

    let list = env.run(&["-vv", "connector", "list"]);
    assert_eq!(list.code, 0, "{list:?}");
    assert!(
        list.stdout.contains("ado-contoso") && list.stdout.contains("contoso"),
        "{list:?}"
    );
    let list_json = json(&env.run(&["connector", "list", "--format", "json"]).stdout);
    assert_eq!(list_json.as_array().unwrap().len(), 1);
    assert_eq!(list_json[0]["config"]["auth"]["kind"], "pat");

    let show = env.run(&["-vv", "connector", "show", "ado-contoso", "--format", "json"]);
    assert_eq!(show.code, 0, "{show:?}");
    let v = json(&show.stdout);
    assert_eq!(v["connector"]["config"]["name"], "ado-contoso");
    assert_eq!(v["connector"]["config"]["organization"], "contoso");
    assert!(v["connector"]["credential_updated_at"].is_string(), "{v}");

    let test = env.run(&["-vv", "connector", "test", "ado-contoso"]);
    assert_eq!(test.code, 0, "{test:?}");
    assert!(test.stdout.contains("alice@contoso.com"), "{test:?}");

    for r in [&created, &list, &show, &test] {
        assert!(!r.stdout.contains(DEMO_PAT), "PAT on stdout: {r:?}");
        assert!(!r.stderr.contains(DEMO_PAT), "PAT on stderr: {r:?}");
    }
    assert!(!created.stderr.is_empty(), "-vv logs something");
    assert!(!contains(&env.stored_bytes(), DEMO_PAT), "PAT stored in clear");
    assert!(
        !contains(&env.stored_bytes(), "7Hq2Vx9LmC4RtB8nKz3W"),
        "part of the PAT stored in clear"
    );
}

#[test]
fn pat_from_the_environment_and_missing_pat() {
    let sim = SimServer::start();
    let env = Env::new();
    let mut args = vec!["connector", "create", "ado-contoso", "--org", "contoso"];
    let urls = sim.cloud_args();
    args.extend(urls.iter().map(String::as_str));
    let missing = env.run(&args);
    assert_eq!(missing.code, 2, "{missing:?}");
    assert!(
        missing.stderr.contains(
            "Azure DevOps access token not configured. Please authenticate: pass --pat-stdin or set PALISADE_ADO_PAT"
        ),
        "{missing:?}"
    );
    let out = env
        .cmd()
        .args(&args)
        .env("PALISADE_ADO_PAT", DEMO_PAT)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(!contains(&out.stdout, DEMO_PAT) && !contains(&out.stderr, DEMO_PAT));
}

#[test]
fn a_pat_cannot_be_a_command_line_argument() {
    let env = Env::new();
    for flag in ["--pat", "--token", "--client-secret"] {
        let r = env.run(&[
            "connector",
            "create",
            "ado-contoso",
            "--org",
            "contoso",
            flag,
            DEMO_PAT,
        ]);
        assert_eq!(r.code, 2, "{r:?}");
        assert!(r.stderr.contains("unexpected argument"), "{r:?}");
    }
    let help = env.run(&["connector", "create", "--help"]);
    assert!(help.stdout.contains("--pat-stdin"), "{help:?}");
    assert!(!help.stdout.contains("--pat <"), "{help:?}");
}

#[test]
fn invalid_names_get_the_domain_messages() {
    let env = Env::new();
    let r = env.run(&["connector", "create", "ab_c", "--org", "contoso"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("invalid connector name \"ab_c\""), "{r:?}");
    assert!(r.stderr.contains("3-32 characters"), "{r:?}");
    let r = env.run(&[
        "connector",
        "create",
        "ado-contoso",
        "--org",
        "dev.azure.com/contoso",
    ]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("invalid organization name"), "{r:?}");
    assert!(
        r.stderr
            .contains("for https://dev.azure.com/contoso, enter contoso"),
        "{r:?}"
    );
    let r = env.run(&["connector", "create", "x", "--org", "contoso"]);
    assert!(r.stderr.contains("it is 1 characters long"), "{r:?}");
}

#[test]
fn duplicate_name_or_organization_is_refused() {
    let sim = SimServer::start();
    let env = Env::new();
    let first = env.create_connector(&sim, "ado-contoso", "contoso", DEMO_PAT);
    assert_eq!(first.code, 0, "{first:?}");
    let same_name = env.create_connector(&sim, "ADO-Contoso", "fabrikam", DEMO_PAT);
    assert_eq!(same_name.code, 2, "{same_name:?}");
    assert!(
        same_name
            .stderr
            .contains("A connector with this name already exists (ado-contoso). Choose a different name"),
        "{same_name:?}"
    );
    let same_org = env.create_connector(&sim, "other-connector", "Contoso", DEMO_PAT);
    assert_eq!(same_org.code, 2, "{same_org:?}");
    assert!(
        same_org
            .stderr
            .contains("A connector for this organization already exists"),
        "{same_org:?}"
    );
    let list = json(&env.run(&["connector", "list", "--format", "json"]).stdout);
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[test]
fn expired_pat_saves_nothing() {
    let sim = SimServer::start();
    let env = Env::new();
    let r = env.create_connector(&sim, "ado-contoso", "contoso", EXPIRED_PAT);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("Invalid or expired token"), "{r:?}");
    assert!(r.stderr.contains("nothing was saved"), "{r:?}");
    assert!(!r.stderr.contains(EXPIRED_PAT), "{r:?}");
    let list = json(&env.run(&["connector", "list", "--format", "json"]).stdout);
    assert_eq!(list, serde_json::json!([]));
}

#[test]
fn pat_without_code_read_is_refused() {
    let sim = SimServer::start();
    let env = Env::new();
    let r = env.create_connector(&sim, "ado-contoso", "contoso", NOCODE_PAT);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("Token lacks Code.Read permission"), "{r:?}");
    let list = json(&env.run(&["connector", "list", "--format", "json"]).stdout);
    assert_eq!(list, serde_json::json!([]));
}

#[test]
fn edit_renames_and_replaces_the_credential() {
    let sim = SimServer::start();
    let env = Env::new();
    assert_eq!(
        env.create_connector(&sim, "ado-contoso", "contoso", DEMO_PAT)
            .code,
        0
    );
    let r = env.run(&["connector", "edit", "ado-contoso", "--rename", "contoso-main"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("Updated connector contoso-main"), "{r:?}");
    // A bad new credential is tested and refused; the old one stays.
    let r = env.run_stdin(
        &["connector", "edit", "contoso-main", "--pat-stdin"],
        &format!("{EXPIRED_PAT}\n"),
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("Invalid or expired token"), "{r:?}");
    assert_eq!(env.run(&["connector", "test", "contoso-main"]).code, 0);
}

#[test]
fn bulk_delete_needs_yes_and_is_all_or_nothing() {
    let sim = SimServer::start();
    let env = Env::new();
    assert_eq!(
        env.create_connector(&sim, "ado-contoso", "contoso", DEMO_PAT)
            .code,
        0
    );
    let mut args = vec![
        "connector",
        "create",
        "ado-fabrikam",
        "--org",
        "fabrikam",
        "--pat-stdin",
    ];
    let server = format!("{}/tfs", sim.base_url);
    args.extend(["--server-url", server.as_str()]);
    let r = env.run_stdin(&args, &format!("{DEMO_PAT}\n"));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("server"), "{r:?}");

    let r = env.run_stdin(&["connector", "delete", "ado-contoso", "ado-fabrikam"], "y\n");
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("pass --yes"), "{r:?}");
    let r = env.run(&["connector", "delete", "ado-contoso", "no-such-connector", "--yes"]);
    assert_eq!(r.code, 2, "{r:?}");
    let list = json(&env.run(&["connector", "list", "--format", "json"]).stdout);
    assert_eq!(list.as_array().unwrap().len(), 2, "all or nothing");

    let r = env.run(&["connector", "delete", "ado-contoso", "ado-fabrikam", "--yes"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("Deleted connector ado-contoso"), "{r:?}");
    assert!(r.stdout.contains("Deleted connector ado-fabrikam"), "{r:?}");
    let list = json(&env.run(&["connector", "list", "--format", "json"]).stdout);
    assert_eq!(list, serde_json::json!([]));
}

/// `GET url` over plain HTTP/1.1: status line and `Location`, if any.
fn http_get(url: &str) -> (String, Option<String>) {
    let rest = url.strip_prefix("http://").unwrap();
    let (hostport, path) = rest.split_at(rest.find('/').unwrap());
    let mut s = std::net::TcpStream::connect(hostport).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {hostport}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let status = text.lines().next().unwrap_or_default().to_owned();
    let location = text.lines().take_while(|l| !l.is_empty()).find_map(|l| {
        l.split_once(':')
            .filter(|(k, _)| k.eq_ignore_ascii_case("location"))
            .map(|(_, v)| v.trim().to_owned())
    });
    (status, location)
}

#[test]
fn oauth_signs_in_through_the_loopback_redirect() {
    let sim = SimServer::start();
    let env = Env::new();
    let mut args = vec![
        "connector",
        "create",
        "ado-oauth",
        "--org",
        "contoso",
        "--auth",
        "oauth",
        "--tenant",
        TENANT,
        "--client-id",
        "11111111-aaaa-4bbb-8ccc-000000000002",
        "--auth-timeout",
        "60",
    ];
    let urls = sim.cloud_args();
    args.extend(urls.iter().map(String::as_str));
    let mut child = env
        .cmd()
        .args(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let authorize = line
        .strip_prefix("Open this URL to authorize palisade: ")
        .unwrap_or_else(|| panic!("{line}"))
        .trim()
        .to_owned();
    assert!(authorize.contains("code_challenge_method=S256"), "{authorize}");
    // The browser: the simulator's Entra signs carol in and redirects to palisade.
    let (status, location) = http_get(&authorize);
    assert!(status.contains("302") || status.contains("303"), "{status}");
    let callback = location.unwrap();
    assert!(callback.starts_with("http://127.0.0.1:"), "{callback}");
    let (status, _) = http_get(&callback);
    assert!(status.contains("200"), "{status}");
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("authenticated as: carol@contoso.com"), "{stdout}");
    let show = json(
        &env.run(&["connector", "show", "ado-oauth", "--format", "json"])
            .stdout,
    );
    assert_eq!(show["connector"]["config"]["auth"]["kind"], "oauth");
}

#[test]
fn oauth_wrong_state_is_refused() {
    let sim = SimServer::start();
    let env = Env::new();
    let mut args = vec![
        "connector",
        "create",
        "ado-oauth",
        "--org",
        "contoso",
        "--auth",
        "oauth",
        "--tenant",
        TENANT,
        "--client-id",
        "11111111-aaaa-4bbb-8ccc-000000000002",
        "--auth-timeout",
        "3",
    ];
    let urls = sim.cloud_args();
    args.extend(urls.iter().map(String::as_str));
    let mut child = env
        .cmd()
        .args(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let authorize = url_param(&line, "redirect_uri");
    let (status, _) = http_get(&format!("{authorize}?code=forged&state=not-the-state"));
    assert!(status.contains("400"), "{status}");
    let status = child.wait().unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert_eq!(status.code(), Some(2), "{rest}");
    // The forged redirect did not end the sign-in; the timeout did.
    assert!(
        rest.contains("--auth-timeout") && rest.contains("wrong state"),
        "{rest}"
    );
    let list = json(&env.run(&["connector", "list", "--format", "json"]).stdout);
    assert_eq!(list, serde_json::json!([]));
}

fn url_param(text: &str, name: &str) -> String {
    let start = text.find(&format!("{name}=")).unwrap() + name.len() + 1;
    let raw: String = text[start..]
        .chars()
        .take_while(|c| *c != '&' && !c.is_whitespace())
        .collect();
    raw.replace("%3A", ":").replace("%2F", "/")
}
