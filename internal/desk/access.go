package desk

// Who may see and do what. Every read and command asks here, so the answer is the same on
// every surface. An object the actor may not see is reported as not found, never as forbidden,
// so ids reveal nothing.

// CanSeeCase reports whether the actor may see the case at all.
func CanSeeCase(a Actor, c Case) bool {
	switch a.Kind {
	case ActorSystem, ActorAutomation:
		return true
	case ActorCustomer:
		return a.ID == c.CustomerID
	case ActorAgent:
		// Every department sees every case of a customer (one customer across departments);
		// a partner's users see only the cases handed to their organisation.
		if a.Role == RolePartner {
			return a.PartnerID != 0 && c.PartnerID == a.PartnerID
		}
		return true
	}
	return false
}

// CanSeeEntry reports whether the actor may see an entry of a case they can see.
func CanSeeEntry(a Actor, e Entry) bool {
	return !e.Internal || (a.Kind != ActorCustomer && a.Role != RolePartner)
}

// CanSeeCustomer reports whether the actor may see a customer's details.
func CanSeeCustomer(a Actor, customerID int64) bool {
	switch a.Kind {
	case ActorSystem, ActorAutomation:
		return true
	case ActorCustomer:
		return a.ID == customerID
	case ActorAgent:
		return a.Role != RolePartner
	}
	return false
}

// IsStaff reports whether the actor works for the desk (not a customer or partner).
func IsStaff(a Actor) bool {
	return a.Kind == ActorSystem || (a.Kind == ActorAgent && a.Role != RolePartner)
}
