//! Passwords attackers try first (ASVS 2.1.7). The check is zxcvbn's, offline: its frequency
//! lists hold the most common passwords of public breaches, and its guess estimate catches
//! their obvious variants (a year appended, l33t spelling, keyboard walks). A password zxcvbn
//! scores 0 or 1 (under about a million guesses) counts as breached.

/// True for a password on the breached lists, or as easy to guess as one.
pub fn is_breached(password: &str) -> bool {
    let score: u8 = zxcvbn::zxcvbn(password, &[]).score().into();
    score <= 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_passwords_are_caught_and_good_ones_pass() {
        for bad in [
            "password1234",
            "qwertyuiop123",
            "123456789012",
            "iloveyou2020",
        ] {
            assert!(is_breached(bad), "{bad}");
        }
        for good in [
            "correct horse battery staple",
            "郑州国家中心城市2017推进",
            "tR7#vq9!Lm2@xp",
        ] {
            assert!(!is_breached(good), "{good}");
        }
    }
}
