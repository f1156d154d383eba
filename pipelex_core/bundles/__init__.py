"""Bundles (``.mthds`` TOML files): parse, check, list inputs, dry-run."""
