//! The binary's subcommands, as a script would use them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn db() -> String {
    let path = std::env::temp_dir().join(format!(
        "extramile-cli-{}-{}.db",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    format!("sqlite:{}", path.display())
}

fn run(db: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_extramile"))
        .arg("--database-url")
        .arg(db)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

#[test]
fn users_tokens_and_a_demo_that_loads_once() {
    let db = db();
    let out = run(
        &db,
        &[
            "user",
            "add",
            "bea@example.com",
            "--role",
            "specialist",
            "--name",
            "Bea Billing",
            "--team",
            "Billing",
        ],
        "a long password here\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("added Bea Billing <bea@example.com> as specialist"));

    let dup = run(
        &db,
        &[
            "user",
            "add",
            "BEA@example.com",
            "--role",
            "agent",
            "--name",
            "Again",
        ],
        "a long password here\n",
    );
    assert!(!dup.status.success());
    assert!(
        text(&dup.stderr).contains("exists"),
        "{}",
        text(&dup.stderr)
    );
    let bad_role = run(
        &db,
        &[
            "user",
            "add",
            "x@example.com",
            "--role",
            "boss",
            "--name",
            "X",
        ],
        "a long password here\n",
    );
    assert!(!bad_role.status.success());
    assert!(
        text(&bad_role.stderr).contains("role: must be one of: agent, specialist"),
        "{}",
        text(&bad_role.stderr)
    );
    let short = run(
        &db,
        &[
            "user",
            "add",
            "y@example.com",
            "--role",
            "agent",
            "--name",
            "Y",
        ],
        "short\n",
    );
    assert!(
        text(&short.stderr).contains("password: a password has at least 12 characters"),
        "{}",
        text(&short.stderr)
    );

    let token = run(&db, &["token", "create", "bea@example.com"], "");
    assert!(token.status.success(), "{}", text(&token.stderr));
    let t = text(&token.stdout);
    assert!(t.trim().starts_with("emt_") && t.trim().len() == 68, "{t}");
    let unknown = run(&db, &["token", "create", "nobody@example.com"], "");
    assert!(!unknown.status.success());

    // Tokens are listed without secrets, expire and are revoked.
    let expiring = run(
        &db,
        &[
            "token",
            "create",
            "bea@example.com",
            "--label",
            "ci",
            "--expires-in-days",
            "30",
        ],
        "",
    );
    assert!(expiring.status.success(), "{}", text(&expiring.stderr));
    let list = text(&run(&db, &["token", "list", "bea@example.com"], "").stdout);
    assert_eq!(list.lines().count(), 3, "a header and two tokens: {list}");
    assert!(!list.contains("emt_"), "no secrets listed: {list}");
    let ci = list.lines().find(|l| l.contains(" ci ")).unwrap();
    let id = ci.split_whitespace().next().unwrap();
    let revoked = run(&db, &["token", "revoke", id], "");
    assert!(revoked.status.success(), "{}", text(&revoked.stderr));
    let list = text(&run(&db, &["token", "list"], "").stdout);
    let ci = list.lines().find(|l| l.contains(" ci ")).unwrap();
    assert!(!ci.trim_end().ends_with('-'), "revoked today: {ci}");
    let bad = run(&db, &["token", "revoke", "not-an-id"], "");
    assert!(!bad.status.success());
    // Deactivating ends everything at once; the user list says so.
    let off = run(
        &db,
        &[
            "user",
            "deactivate",
            "bea@example.com",
            "--reason",
            "left the company",
        ],
        "",
    );
    assert!(off.status.success(), "{}", text(&off.stderr));
    let users = text(&run(&db, &["user", "list"], "").stdout);
    assert!(users.contains("deactivated"), "{users}");
    let refused = run(&db, &["token", "create", "bea@example.com"], "");
    assert!(
        !refused.status.success(),
        "no tokens for a deactivated user"
    );

    let first = run(&db, &["demo", "--customers", "50", "--no-serve"], "");
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(text(&first.stdout).contains("agent@demo.extramile.dev"));
    assert!(
        text(&first.stdout).contains("billing@demo.extramile.dev"),
        "the billing specialist's sign-in is printed: S1 has two halves"
    );
    let second = run(&db, &["demo", "--customers", "50", "--no-serve"], "");
    assert!(second.status.success(), "{}", text(&second.stderr));
    assert!(
        text(&second.stderr).contains("already loaded (50 customers)"),
        "{}",
        text(&second.stderr)
    );

    let bad_config =
        std::env::temp_dir().join(format!("extramile-cli-{}.toml", std::process::id()));
    std::fs::write(&bad_config, "lisen = \"x\"\n").unwrap();
    let out = run(
        &db,
        &["--config", bad_config.to_str().unwrap(), "migrate"],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("unknown field `lisen`"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn the_demo_starts_in_any_provider_currency() {
    let db = db();
    let out = Command::new(env!("CARGO_BIN_EXE_extramile"))
        .args([
            "--database-url",
            &db,
            "demo",
            "--customers",
            "20",
            "--no-serve",
        ])
        .env("EXTRAMILE_CURRENCY", "CAD")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn numbers_and_equipment_import_all_or_nothing_naming_line_and_column() {
    let db = db();
    let dir = std::env::temp_dir().join(format!("extramile-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = |name: &str, body: &str| {
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        p.display().to_string()
    };
    let out = run(
        &db,
        &[
            "user",
            "add",
            "tess@example.com",
            "--role",
            "technician",
            "--name",
            "Tess Tech",
        ],
        "a long password here\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));

    // A bad row anywhere: nothing of the file goes in.
    let bad = file(
        "bad.csv",
        "first,last,note\n+12175550000,+12175550999,block A\n(512) 555-0100,,single\n12345,,\n",
    );
    let out = run(&db, &["import", "numbers", &bad], "");
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("line 4, column first: a North American number has 10 digits"),
        "{err}"
    );
    let overlap = file(
        "overlap.csv",
        "first,last\n+12175550000,+12175550999\n+12175550500,+12175550600\n",
    );
    let out = run(&db, &["import", "numbers", &overlap], "");
    let err = text(&out.stderr);
    assert!(
        err.contains("line 3, column first: overlaps the range on line 2"),
        "{err}"
    );
    let good = file(
        "good.csv",
        "first,last,note\n+12175550000,+12175550999,block A\n(512) 555-0100,,single\n",
    );
    let out = run(&db, &["import", "numbers", &good], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("imported 1001 numbers from 2 range(s)"),
        "{}",
        text(&out.stdout)
    );
    let again = file(
        "again.csv",
        "first,last\n+13125550000,+13125550009\n+12175550990,+12175551010\n",
    );
    let out = run(&db, &["import", "numbers", &again], "");
    let err = text(&out.stderr);
    assert!(
        err.contains(
            "line 3, column first: (217) 555-0990 is already in the inventory; nothing was imported"
        ),
        "{err}"
    );
    // The first range of that file did not go in either.
    let first_only = file("first.csv", "first,last\n+13125550000,+13125550009\n");
    let out = run(&db, &["import", "numbers", &first_only], "");
    assert!(
        text(&out.stdout).contains("imported 10 numbers"),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let no_header = file("nohead.csv", "number\n+12175550000\n");
    let out = run(&db, &["import", "numbers", &no_header], "");
    assert!(
        text(&out.stderr).contains("line 1: the header has no column \"first\""),
        "{}",
        text(&out.stderr)
    );

    let kit = file(
        "kit.csv",
        "serial,model,van\nRTR-1,Router AX3000,tess@example.com\nRTR-2,Router AX3000,nobody@example.com\nrtr-1,Router AX3000,tess@example.com\n",
    );
    let out = run(&db, &["import", "equipment", &kit], "");
    let err = text(&out.stderr);
    assert!(
        err.contains("line 3, column van: no technician with the e-mail \"nobody@example.com\""),
        "{err}"
    );
    let dup = file(
        "dup.csv",
        "serial,model,van\nRTR-1,Router AX3000,tess@example.com\nrtr-1,Router AX3000,tess@example.com\n",
    );
    let out = run(&db, &["import", "equipment", &dup], "");
    let err = text(&out.stderr);
    assert!(
        err.contains("line 3, column serial: RTR-1 is on line 2 too"),
        "{err}"
    );
    let ctl = file(
        "ctl.csv",
        "serial,model,van\nRTR-9,Router \u{1b}[31mred,tess@example.com\n",
    );
    let out = run(&db, &["import", "equipment", &ctl], "");
    assert!(
        text(&out.stderr).contains("line 2, column model: contains a control character"),
        "{}",
        text(&out.stderr)
    );
    let kit = file(
        "kit2.csv",
        "serial,model,van\nRTR-1,Router AX3000,tess@example.com\nSTB-1,Set-top box,tess@example.com\n",
    );
    let out = run(&db, &["import", "equipment", &kit], "");
    assert!(
        text(&out.stdout).contains("imported 2 pieces of equipment"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&db, &["import", "equipment", &kit], "");
    assert!(
        text(&out.stderr).contains(
            "line 2, column serial: RTR-1 is already in the inventory; nothing was imported"
        ),
        "{}",
        text(&out.stderr)
    );
}
