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

/// A new user: a name of 1 to 64 characters without spaces or control characters; no user for
/// the public; unit users bound to at least one unit, other roles to none.
pub fn check_new_user(name: &str, role: Role, units: &[Code]) -> Result<(), Refusal> {
    let mut out = Problems::default();
    let n = name.chars().count();
    if n == 0 || n > 64 || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
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
