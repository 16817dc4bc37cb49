use palisade_sast::RuleSet;

use crate::ids;

const CMD: &str = "code.python.command-injection";

fn py(code: &str) -> Vec<String> {
    let rules = RuleSet::builtin().expect("builtin rules compile");
    let found = rules.scan("app.py", code.as_bytes()).expect("scans");
    ids(&rules, &found)
}

#[test]
fn tainted_through_two_assignments() {
    let found = py(
        "import os\ndef run(request):\n    a = request.args['d']\n    b = 'ls ' + a\n    c = b\n    os.system(c)\n",
    );
    assert!(found.contains(&CMD.to_owned()), "{found:?}");
}

#[test]
fn tainted_through_fstring_and_tuple() {
    let found =
        py("import os\ndef run(request):\n    a, n = request.form['d'], 1\n    os.popen(f'ls {a}')\n");
    assert!(found.contains(&CMD.to_owned()), "{found:?}");
}

#[test]
fn sanitized_value_does_not_match() {
    let found = py(
        "import os, shlex\ndef run(request):\n    a = request.args['d']\n    b = shlex.quote(a)\n    os.system('ls ' + b)\n",
    );
    assert!(!found.contains(&CMD.to_owned()), "{found:?}");
}

#[test]
fn constant_does_not_match() {
    let found = py("import os\ndef run(request):\n    a = 'tmp'\n    os.system('ls ' + a)\n");
    assert!(!found.contains(&CMD.to_owned()), "{found:?}");
}

#[test]
fn reassignment_with_constant_clears() {
    let found = py(
        "import os\ndef run(request):\n    a = request.args['d']\n    a = 'tmp'\n    os.system('ls ' + a)\n",
    );
    assert!(!found.contains(&CMD.to_owned()), "{found:?}");
}

#[test]
fn assignment_after_the_sink_does_not_count() {
    let found =
        py("import os\ndef run(request):\n    a = 'x'\n    os.system(a)\n    a = request.args['d']\n");
    assert!(!found.contains(&CMD.to_owned()), "{found:?}");
}

#[test]
fn taint_does_not_leak_across_functions() {
    let found = py(
        "import os\ndef one(request):\n    a = request.args['d']\n    return a\n\ndef two():\n    os.system('ls ' + a)\n",
    );
    assert!(!found.contains(&CMD.to_owned()), "{found:?}");
}

#[test]
fn javascript_destructuring_and_template() {
    let rules = RuleSet::builtin().expect("builtin rules compile");
    let code = "const cp = require('child_process');\nfunction h(req, res) {\n  const { dir } = req.query;\n  const cmd = `ls ${dir}`;\n  cp.exec(cmd);\n}\nfunction g(req) {\n  cp.exec('ls ' + dir);\n}\n";
    for path in ["a.js", "a.ts", "a.tsx"] {
        let found = rules.scan(path, code.as_bytes()).expect("scans");
        let hits: Vec<_> = found
            .iter()
            .filter(|m| rules.rules()[m.rule].id.as_str() == "code.javascript.command-injection")
            .collect();
        assert_eq!(hits.len(), 1, "{path}: {found:?}");
        assert_eq!(hits[0].line, 5);
        assert_eq!(hits[0].function.as_deref(), Some("h"));
    }
}

#[test]
fn go_short_declarations() {
    let rules = RuleSet::builtin().expect("builtin rules compile");
    let code = "package main\nfunc h(w http.ResponseWriter, r *http.Request) {\n\tq := r.URL.Query()\n\thost := q.Get(\"h\")\n\texec.Command(\"ping\", host).Run()\n}\n";
    let found = rules.scan("main.go", code.as_bytes()).expect("scans");
    assert!(
        ids(&rules, &found).contains(&"code.go.command-injection".to_owned()),
        "{found:?}"
    );
}
