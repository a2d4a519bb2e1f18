"""Treatment relations (behandlingsrelationer): which organisations currently treat a citizen.

The citizen's GP practice has a standing relation. A doctor or nurse declares one for their own
organisation (admitted, outpatient, home care) for a limited time; admins may declare for any
organisation. Only a relation valid now, at the caller's organisation, opens the card."""
