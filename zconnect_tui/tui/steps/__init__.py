"""Step bodies of the wizard: one small widget per step of Zoho's registration guide."""
