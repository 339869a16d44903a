//! The documents that list commands and settings, checked against the code so they cannot
//! drift: every command the binary offers is in the README's command list, and the settings
//! table of `docs/operations.md` names exactly the keys the settings file accepts.

use clap::CommandFactory;

use crate::Cli;

fn read(path: &str) -> String {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../");
    std::fs::read_to_string(format!("{root}{path}")).unwrap()
}

/// Every visible command path, as words: `["plan", "import"]`, `["backup"]`, ….
fn commands(c: &clap::Command, above: Vec<String>, out: &mut Vec<Vec<String>>) {
    let subs: Vec<_> = c
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .collect();
    if subs.is_empty() && !above.is_empty() {
        out.push(above);
        return;
    }
    for s in subs {
        let mut path = above.clone();
        path.push(s.get_name().to_string());
        commands(s, path, out);
    }
}

/// The keys `FileConfig` accepts, from serde's own refusal of an unknown one (which lists
/// them all), so no list is kept by hand.
fn setting_keys() -> Vec<String> {
    let err = match toml::from_str::<crate::config::FileConfig>("no_such_key = 1") {
        Ok(_) => panic!("an unknown key was accepted"),
        Err(e) => e.message().to_string(),
    };
    let expected = err.split("expected one of").nth(1).expect(&err);
    expected
        .split(',')
        .map(|k| k.trim().trim_matches('`').to_string())
        .collect()
}

#[test]
fn the_readme_lists_every_command() {
    let readme = read("README.md");
    let lines: Vec<&str> = readme
        .lines()
        .filter(|l| l.starts_with("tuijin "))
        .collect();
    let mut all = Vec::new();
    commands(&Cli::command(), vec![], &mut all);
    assert!(all.len() > 15, "{all:?}");
    for path in all {
        let (head, rest) = path.split_at(1);
        let prefix = format!("tuijin {} ", head[0]);
        let listed = lines.iter().any(|l| {
            (format!("{l} ")).starts_with(&prefix)
                && rest.iter().all(|w| l.split_whitespace().any(|x| x == w))
        });
        assert!(
            listed,
            "README.md does not list `tuijin {}`",
            path.join(" ")
        );
    }
}

#[test]
fn docs_list_every_setting_and_command() {
    let ops = read("docs/operations.md");
    let documented: Vec<String> = ops
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_string)
        .collect();
    let mut keys = setting_keys();
    assert!(keys.len() >= 11, "{keys:?}");
    let mut table: Vec<String> = documented
        .into_iter()
        .filter(|k| k.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .collect();
    keys.sort();
    table.sort();
    assert_eq!(
        table, keys,
        "docs/operations.md's settings table against FileConfig"
    );
    // The --config help names them too.
    let help = Cli::command()
        .find_subcommand("serve")
        .unwrap()
        .get_arguments()
        .find(|a| a.get_id() == "config")
        .and_then(|a| a.get_help().map(|h| h.to_string()))
        .unwrap();
    for k in &keys {
        assert!(help.contains(k.as_str()), "--config help lacks {k}: {help}");
    }
    // Every command the operations guide runs exists.
    let mut all = Vec::new();
    commands(&Cli::command(), vec![], &mut all);
    for l in ops.lines().filter(|l| l.starts_with("tuijin ")) {
        let words: Vec<&str> = l.split_whitespace().skip(1).collect();
        assert!(
            all.iter()
                .any(|p| p.iter().zip(&words).all(|(a, b)| a == b) && p.len() <= words.len()),
            "docs/operations.md runs an unknown command: {l}"
        );
    }
}
