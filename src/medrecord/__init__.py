"""medrecord: a national shared medication record (modelled on Denmark's FMK)."""

__version__ = "0.1.0"
