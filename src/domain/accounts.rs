//! Admin accounts: roles and what each may do, and the rules for emails, names and passwords.
//!
//! Authorization asks [`Role::can`]; nothing else decides who may do what.

use crate::domain::problems::Problems;

pub const PASSWORD_MIN_CHARS: usize = 12;
pub const PASSWORD_MAX_CHARS: usize = 128;
pub const EMAIL_MAX: usize = 254;
pub const DISPLAY_NAME_MAX: usize = 120;

word_enum! {
    /// What a signed-in person is; [`Role::can`] says what each may do.
    pub enum Role {
        Admin = "admin",
        Editor = "editor",
        Marketer = "marketer",
    }
}

/// Something a signed-in person may or may not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// See the dashboard, change one's own name and password.
    UseDashboard,
    /// Create users, change roles, deactivate, reset passwords, read the audit log.
    ManageUsers,
    /// Write articles, feeling lists, step guides, perspectives; place existing promos.
    EditContent,
    /// Read articles without changing them.
    ReadContent,
    /// Create and change promos and read their reports.
    ManagePromos,
    /// See promos without changing them.
    ReadPromos,
    /// Change installation-wide settings (the default affiliate disclosure).
    ManageSettings,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Editor => "Editor",
            Role::Marketer => "Marketer",
        }
    }

    /// The one table of who may do what.
    pub fn can(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::Editor => matches!(
                permission,
                UseDashboard | EditContent | ReadContent | ReadPromos
            ),
            Role::Marketer => matches!(
                permission,
                UseDashboard | ReadContent | ManagePromos | ReadPromos
            ),
        }
    }
}

/// The form of an email used for lookups and uniqueness: trimmed and lowercased.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

pub fn check_email(problems: &mut Problems, field: &str, email: &str) {
    let email = email.trim();
    let valid = email.len() <= EMAIL_MAX
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if !valid {
        problems.push(field, "enter an email address such as name@example.com");
    }
}

pub fn check_display_name(problems: &mut Problems, field: &str, name: &str) {
    let len = name.trim().chars().count();
    if len == 0 {
        problems.push(field, "enter a name");
    } else if len > DISPLAY_NAME_MAX {
        problems.push(field, format!("use at most {DISPLAY_NAME_MAX} characters"));
    }
}

/// 12 to 128 characters, counted as characters (not bytes); nothing is truncated.
pub fn check_password(problems: &mut Problems, field: &str, password: &str) {
    let len = password.chars().count();
    if len < PASSWORD_MIN_CHARS {
        problems.push(
            field,
            format!("use at least {PASSWORD_MIN_CHARS} characters"),
        );
    } else if len > PASSWORD_MAX_CHARS {
        problems.push(
            field,
            format!("use at most {PASSWORD_MAX_CHARS} characters"),
        );
    }
}

/// A new account, before its password is hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub password: String,
}

impl NewUser {
    /// Problems keyed by form field name.
    pub fn validate(&self) -> Result<(), Problems> {
        let mut problems = Problems::new();
        check_email(&mut problems, "email", &self.email);
        check_display_name(&mut problems, "display_name", &self.display_name);
        check_password(&mut problems, "password", &self.password);
        problems.into_result()
    }
}

/// The last active admin may not stop being one: may the user `target` stop being an active
/// admin (`stays_admin` false), when `admins` are the active admins now?
pub fn may_leave_admins(target: i32, admins: &[i32], stays_admin: bool) -> bool {
    stays_admin || !admins.contains(&target) || admins.iter().any(|id| *id != target)
}

/// Sign-in throttling: at most this many failures in the window, per client address, and per
/// account for addresses that already failed on it.
pub mod throttle {
    use chrono::Duration;

    pub const MAX_FAILURES: u64 = 10;

    pub fn window() -> Duration {
        Duration::minutes(15)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_table() {
        assert!(Role::Admin.can(Permission::ManageUsers));
        assert!(!Role::Editor.can(Permission::ManageUsers));
        assert!(Role::Editor.can(Permission::EditContent));
        assert!(!Role::Editor.can(Permission::ManagePromos));
        assert!(Role::Marketer.can(Permission::ManagePromos));
        assert!(!Role::Marketer.can(Permission::EditContent));
        assert!(Role::Marketer.can(Permission::ReadContent));
    }

    #[test]
    fn the_last_admin_stays() {
        assert!(!may_leave_admins(1, &[1], false));
        assert!(may_leave_admins(1, &[1], true));
        assert!(may_leave_admins(1, &[1, 2], false));
        assert!(
            may_leave_admins(3, &[1], false),
            "not an admin: nothing to keep"
        );
    }

    #[test]
    fn passwords_count_characters() {
        let check = |p: &str| {
            let mut problems = Problems::new();
            check_password(&mut problems, "p", p);
            problems.is_empty()
        };
        assert!(!check("elevenchars"));
        assert!(check("twelve chars"));
        assert!(check(&"é".repeat(128)));
        assert!(!check(&"é".repeat(129)));
        assert!(check("ééééééééééé1"));
    }

    #[test]
    fn emails() {
        let check = |e: &str| {
            let mut problems = Problems::new();
            check_email(&mut problems, "e", e);
            problems.is_empty()
        };
        assert!(check("ana@example.com"));
        assert!(check("  Ana@Example.COM "));
        for bad in ["", "ana", "@x.com", "ana@", "a b@x.com", "a@b@c"] {
            assert!(!check(bad), "{bad}");
        }
        assert_eq!(email_key(" Ana@Example.COM "), "ana@example.com");
    }
}
