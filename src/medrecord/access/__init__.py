"""Who may do what: identity from tokens (Actor), role permissions as data, and the policy
that decides, per citizen, whether a treatment relation, consent or emergency access allows it."""
