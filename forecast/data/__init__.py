"""The curated tables: importers of public formats, validation, and validated loaders."""
