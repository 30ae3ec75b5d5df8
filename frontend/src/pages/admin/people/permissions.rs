//! Who may change whom, as the server rules it (`backend/src/domain/permissions.rs`), so that
//! the page offers only what the server would accept. The server checks every change again.

use confidant_openapi::people::Role;

/// Whether `actor` may give someone `role`: only an owner makes owners, so that an admin
/// cannot take a practice over.
fn may_grant(actor: Option<Role>, role: Role) -> bool {
    match actor {
        Some(Role::Owner) => true,
        Some(Role::Admin) => role != Role::Owner,
        _ => false,
    }
}

/// The roles `actor` may give, the usual ones first.
pub(super) fn grantable_roles(actor: Option<Role>) -> Vec<Role> {
    [Role::Provider, Role::Staff, Role::Admin, Role::Owner]
        .into_iter()
        .filter(|role| may_grant(actor, *role))
        .collect()
}

/// Whether `actor` may change (or invite) a person whose role is `target` (`None` for
/// clients): only an owner changes an owner.
pub(super) fn may_change(actor: Option<Role>, target: Option<Role>) -> bool {
    match actor {
        Some(Role::Owner) => true,
        Some(Role::Admin) => target != Some(Role::Owner),
        _ => false,
    }
}

/// Whether `actor` may change the email of a person whose role is `target`. An email is where
/// sign-in links go, so only an owner changes an admin's or another owner's.
pub(super) fn may_change_email(actor: Option<Role>, target: Option<Role>, is_self: bool) -> bool {
    match actor {
        Some(Role::Owner) => true,
        Some(Role::Admin) => is_self || !matches!(target, Some(Role::Owner | Role::Admin)),
        _ => false,
    }
}
