//! The rules of accounts: what a user name and a password must be, and which roles are bound to
//! units. The store hashes and keeps; these decide.

use crate::Code;
use crate::policy::Role;
use crate::problem::{Problem, Problems, Refusal, Rule};

/// Shortest password accepted (ASVS 2.1.1).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted (ASVS 2.1.2 asks for at least 64; hashing stays bounded).
pub const MAX_PASSWORD_CHARS: usize = 128;

/// A password long enough, not absurdly long, and not one of the passwords every attacker
/// tries first (`breached`: whether it is on the list of breached passwords).
pub fn check_password(password: &str, breached: bool) -> Result<(), Refusal> {
    let n = password.chars().count();
    let mut out = Problems::default();
    if n < MIN_PASSWORD_CHARS {
        out.push(Problem::new("password", Rule::PasswordTooShort).with("min", MIN_PASSWORD_CHARS));
    } else if n > MAX_PASSWORD_CHARS {
        out.push(
            Problem::new("password", Rule::TooLong)
                .with("max", MAX_PASSWORD_CHARS)
                .with("length", n),
        );
    } else if breached {
        out.push(Problem::new("password", Rule::PasswordBreached));
    }
    out.finish()
}

/// Longest label of an API token ("CI", "the district's import script").
pub const MAX_TOKEN_LABEL_CHARS: usize = 80;

/// An API token's label: 1 to 80 characters, no control characters. Checked where a token is
/// made (the account page, the command line), so the event log holds a label, not a payload.
pub fn check_token_label(label: &str) -> Result<(), Refusal> {
    let mut out = Problems::default();
    let n = label.chars().count();
    if n == 0 {
        out.push(Problem::new("label", Rule::Required));
    } else if n > MAX_TOKEN_LABEL_CHARS {
        out.push(
            Problem::new("label", Rule::TooLong)
                .with("max", MAX_TOKEN_LABEL_CHARS)
                .with("length", n),
        );
    } else {
        crate::problem::check_text("label", label, &mut out);
    }
    out.finish()
}

/// Whether a name could be a user's: 1 to 64 characters without spaces or control characters.
/// What a log-in form receives is checked against it before it is looked up or recorded, so a
/// megabyte of typed text never reaches the event log.
pub fn may_be_user_name(name: &str) -> bool {
    let n = name.chars().count();
    (1..=64).contains(&n) && !name.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A new user: a name of 1 to 64 characters without spaces or control characters; no user for
/// the public; unit users bound to at least one unit, other roles to none.
pub fn check_new_user(name: &str, role: Role, units: &[Code]) -> Result<(), Refusal> {
    let mut out = Problems::default();
    if !may_be_user_name(name) {
        out.push(Problem::new("name", Rule::UserNameFormat));
    }
    if role == Role::Public {
        out.push(Problem::new("role", Rule::NoPublicUsers));
    } else if role == Role::Unit && units.is_empty() {
        out.push(Problem::new("unit", Rule::UnitUserNeedsUnit));
    } else if role != Role::Unit && !units.is_empty() {
        out.push(
            Problem::new("unit", Rule::OnlyUnitUsersHaveUnits)
                .with("role", format!("@role.{}", role.as_str())),
        );
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(r: Result<(), Refusal>) -> Vec<Rule> {
        r.err()
            .map(|e| e.problems().iter().map(|p| p.rule).collect())
            .unwrap_or_default()
    }

    #[test]
    fn passwords_and_new_users() {
        assert!(check_password("correct horse battery", false).is_ok());
        assert_eq!(
            rules(check_password("short", false)),
            [Rule::PasswordTooShort]
        );
        assert_eq!(
            rules(check_password(&"x".repeat(129), false)),
            [Rule::TooLong]
        );
        assert_eq!(
            rules(check_password("password1234", true)),
            [Rule::PasswordBreached]
        );
        let jtw = [Code::parse("JTW").unwrap()];
        assert!(check_new_user("jtw", Role::Unit, &jtw).is_ok());
        assert!(check_new_user("office", Role::Office, &[]).is_ok());
        assert_eq!(
            rules(check_new_user("a b", Role::Office, &[])),
            [Rule::UserNameFormat]
        );
        assert_eq!(
            rules(check_new_user("p", Role::Public, &[])),
            [Rule::NoPublicUsers]
        );
        assert_eq!(
            rules(check_new_user("u", Role::Unit, &[])),
            [Rule::UnitUserNeedsUnit]
        );
        assert_eq!(
            rules(check_new_user("l", Role::Leader, &jtw)),
            [Rule::OnlyUnitUsersHaveUnits]
        );
    }
}
