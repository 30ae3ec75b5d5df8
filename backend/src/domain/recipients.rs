//! Who may address whom (R-TO-STAFF, R-TO-CLIENT, R-NO-ALL-CLIENTS).

use confidant_openapi::people::PersonKind;

/// What a caller of this kind may put in "To".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Addressable {
    /// Individual staff members.
    pub staff: bool,
    /// Individual clients, one by one.
    pub clients: bool,
    /// Staff groups and "All staff".
    pub staff_groups: bool,
}

/// The directory rules. There is deliberately no way to address all clients at once
/// (R-NO-ALL-CLIENTS): many clients can only be added one by one.
pub fn addressable_by(kind: PersonKind) -> Addressable {
    match kind {
        // R-TO-STAFF
        PersonKind::Staff => Addressable {
            staff: true,
            clients: true,
            staff_groups: true,
        },
        // R-TO-CLIENT: staff of their own practice only, never another client.
        PersonKind::Client => Addressable {
            staff: true,
            clients: false,
            staff_groups: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_may_address_everyone_one_by_one_and_staff_groups() {
        // R-TO-STAFF
        let staff = addressable_by(PersonKind::Staff);
        assert!(staff.staff && staff.clients && staff.staff_groups);
    }

    #[test]
    fn clients_may_address_staff_only() {
        // R-TO-CLIENT
        let client = addressable_by(PersonKind::Client);
        assert!(client.staff);
        assert!(!client.clients);
        assert!(!client.staff_groups);
    }
}
