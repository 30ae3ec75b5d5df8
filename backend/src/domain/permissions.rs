//! Who may manage whom.
//!
//! Owners and admins manage people and groups. Only an owner may make someone an owner or
//! change an owner, so that an admin cannot take a practice over; and a practice always keeps
//! at least one owner (checked where the owners are counted).

use confidant_openapi::people::Role;

/// Whether someone with `actor` may manage people at all.
pub fn manages_people(actor: Role) -> bool {
    matches!(actor, Role::Owner | Role::Admin)
}

/// Whether `actor` may give someone the role `role`.
pub fn may_grant(actor: Role, role: Role) -> bool {
    match actor {
        Role::Owner => true,
        Role::Admin => role != Role::Owner,
        Role::Provider | Role::Staff => false,
    }
}

/// Whether `actor` may change a person whose role is `target` (`None` for clients).
pub fn may_change(actor: Role, target: Option<Role>) -> bool {
    match actor {
        Role::Owner => true,
        Role::Admin => target != Some(Role::Owner),
        Role::Provider | Role::Staff => false,
    }
}

/// Whether `actor` may change the email of a person whose role is `target` (`None` for
/// clients). An email is where sign-in links go, so changing it could hand someone else's
/// account over: only an owner may change an admin's or another owner's email. Anyone who
/// manages people may change their own.
pub fn may_change_email(actor: Role, target: Option<Role>, is_self: bool) -> bool {
    match actor {
        Role::Owner => true,
        Role::Admin => is_self || !matches!(target, Some(Role::Owner | Role::Admin)),
        Role::Provider | Role::Staff => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_owners_and_admins_manage_people() {
        assert!(manages_people(Role::Owner));
        assert!(manages_people(Role::Admin));
        assert!(!manages_people(Role::Provider));
        assert!(!manages_people(Role::Staff));
    }

    #[test]
    fn admins_cannot_make_or_change_owners() {
        assert!(may_grant(Role::Owner, Role::Owner));
        assert!(!may_grant(Role::Admin, Role::Owner));
        assert!(may_grant(Role::Admin, Role::Provider));
        assert!(!may_grant(Role::Staff, Role::Staff));
        assert!(!may_change(Role::Admin, Some(Role::Owner)));
        assert!(may_change(Role::Admin, Some(Role::Admin)));
        assert!(may_change(Role::Admin, None));
        assert!(may_change(Role::Owner, Some(Role::Owner)));
        assert!(!may_change(Role::Provider, None));
    }

    #[test]
    fn only_owners_change_the_email_of_admins_and_owners() {
        // R-NO-TAKEOVER
        assert!(may_change_email(Role::Owner, Some(Role::Admin), false));
        assert!(may_change_email(Role::Owner, Some(Role::Owner), false));
        assert!(!may_change_email(Role::Admin, Some(Role::Admin), false));
        assert!(!may_change_email(Role::Admin, Some(Role::Owner), false));
        assert!(may_change_email(Role::Admin, Some(Role::Admin), true));
        assert!(may_change_email(Role::Admin, Some(Role::Provider), false));
        assert!(may_change_email(Role::Admin, None, false));
        assert!(!may_change_email(Role::Provider, None, false));
    }
}
