"""The adversarial loop and nothing domain-specific (no pandas, RDKit or PIL)."""
