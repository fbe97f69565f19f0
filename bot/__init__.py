"""FactBot's Discord layer: thin cogs over the knowledge package."""
