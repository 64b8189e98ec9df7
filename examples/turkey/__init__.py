"""A fifth actor, Turkey, added to the Iraq-2020 scenario by one module and YAML
(docs/how-to/add-an-actor.md)."""
